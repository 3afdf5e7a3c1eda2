// Where the core decides, the npm Client (xengage-web over fetch) must behave as the native
// client (xengage-native over reqwest). Each test names what native does. Runs over the package
// installed from its packed tarball (see ../run.mjs); no emulator: a local server plays the
// misbehaving API. Outcomes only, never durations: the timeouts are generous and a test that
// waits for something waits for the event itself.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { Client, XengageError } from 'xengage';

const now = '2026-11-22T12:00:00Z';
const spec = { postIds: ['2026102274257846273'], metrics: ['favorites'] };

/** A server whose every request is handled by `handler(req, res)`. */
function serve(handler) {
  const server = http.createServer(handler);
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => ok({ url: `http://127.0.0.1:${server.address().port}`, server })),
  );
}

/** Resolves when `check()` holds, or after `ms` (then the caller's assertion fails). */
async function eventually(check, ms = 20000) {
  for (const end = Date.now() + ms; !check() && Date.now() < end; ) {
    await new Promise((ok) => setTimeout(ok, 25));
  }
}

/** The result a job in which no request was answered rejects with (XengageError.result). */
async function rejected(job, code) {
  try {
    await job;
  } catch (e) {
    assert.ok(e instanceof XengageError, String(e));
    if (code) assert.equal(e.code, code, e.message);
    assert.ok(e.result, 'the error carries the result');
    return e.result;
  }
  assert.fail('the job resolved though no request was answered');
}

test('a body over maxBodyBytes is refused (permanent), not read until the timeout', async () => {
  // Native (crates/xengage-native/src/http.rs `exchange`) stops reading at
  // ParseOptions::max_body_bytes and fails the attempt as Failure::Permanent naming it. The
  // server here never ends its body: only the limit can end the attempt before the timeout.
  const chunk = Buffer.alloc(1 << 16, 32);
  let closed = false;
  const { url, server } = await serve((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.on('close', () => (closed = true));
    const pump = () => {
      while (!closed && res.write(chunk));
    };
    res.on('drain', pump);
    pump();
  });
  try {
    const client = new Client({
      baseUrl: url,
      credentials: { bearerToken: 't' },
      now,
      timeoutMs: 120000,
      maxRetries: 3,
      maxBodyBytes: 1 << 20,
    });
    const events = [];
    const r = await rejected(client.totals(spec, { onProgress: (e) => events.push(e) }), 'request_failed');
    const failed = events.filter((e) => e.kind === 'batch_failed');
    assert.equal(failed.length, 1);
    assert.equal(failed[0].failure, 'permanent', failed[0].message);
    assert.match(failed[0].message, /over 1048576 bytes/);
    assert.match(failed[0].message, /max_body_bytes/);
    assert.match(failed[0].message, /maxBodyBytes/);
    assert.equal(r.summary.progress.requestsFailed, 1);
    assert.equal(r.summary.progress.attempts, 1, 'a permanent failure is not retried');
    await eventually(() => closed);
    assert.ok(closed, 'the refused answer is still being read');
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('maxBodyBytes must be a whole number of bytes', () => {
  for (const maxBodyBytes of [0, -1, 1.5, 1e300]) {
    assert.throws(() => new Client({ maxBodyBytes }), { code: 'invalid_options', message: /maxBodyBytes/ });
  }
});

test('an attempt that timed out is aborted: its connection is closed, its body no longer read', async () => {
  // Native drops the reqwest future on timeout, which closes the connection. A fetch without
  // an AbortSignal would go on after its future was dropped: the socket open, the body buffered.
  let closed = false;
  const { url, server } = await serve((req, res) => {
    res.on('close', () => (closed = true)); // never answered
  });
  try {
    const client = new Client({ baseUrl: url, credentials: { bearerToken: 't' }, now, timeoutMs: 300, maxRetries: 0 });
    const events = [];
    await rejected(client.totals(spec, { onProgress: (e) => events.push(e) }), 'timeout');
    assert.equal(events.find((e) => e.kind === 'batch_failed')?.failure, 'timeout');
    await eventually(() => closed);
    assert.ok(closed, 'the timed-out request is still open on the server long after the job ended');
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('a failed connection says why (refused, DNS, TLS), as native does', async () => {
  // Native: "... tcp connect error: Connection refused (os error 111)". Node's fetch puts the
  // reason in `error.cause` (ECONNREFUSED); CORS, which does not exist in Node, is not blamed.
  const { url, server } = await serve(() => {});
  server.close(); // nothing listens on the port now
  await new Promise((ok) => server.once('close', ok));
  const client = new Client({ baseUrl: url, credentials: { bearerToken: 't' }, now, maxRetries: 0 });
  const r = await rejected(client.totals(spec), 'network_error');
  const failure = r.ledger[0].failures.join(' ');
  assert.match(failure, /ECONNREFUSED/, failure);
  assert.doesNotMatch(failure, /CORS/, failure);
  const e = await client.totals(spec).catch((e) => e);
  assert.match(e.message, /ECONNREFUSED/);
  assert.doesNotMatch(e.message, /CORS/, 'Node has no CORS to blame');
});

test('each progress event carries the progress right after it, not after the next request was handed out', async () => {
  // index.d.ts: "Something that happened in a job, with the progress after it." Native sends
  // the events of an answer before it polls for the next attempt.
  const { url, server } = await serve((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'x-per-minute-limit': '6000', 'x-per-minute-remaining': '5999' });
    res.end('{}');
  });
  try {
    const client = new Client({ baseUrl: url, credentials: { consumerKey: 'k', consumerSecret: 's', accessToken: 'a', accessTokenSecret: 'b' }, now, maxRetries: 0 });
    const events = [];
    // One post too old for impressions: the plan asks it apart, so two requests.
    await client.totals({ postIds: ['2026102274257846273', '2116272931599286277'], metrics: ['impressions', 'favorites'] }, { onProgress: (e) => events.push(e) });
    assert.equal(events.filter((e) => e.kind === 'batch_done').length, 2);
    let sent = 0;
    for (const e of events) {
      if (e.kind === 'sent') sent += 1;
      assert.equal(e.progress.attempts, sent, `${e.kind} ${e.index}: ${JSON.stringify(e.progress)}`);
    }
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('a redirect is not followed: nothing reaches where it points, and the failure says to check the base URL', async () => {
  // Native (xengage-native, reqwest with redirects off) answers a 3xx as ApiErrorKind::Redirect,
  // a permanent failure. fetch follows redirects unless told not to (redirect: "manual"); in
  // Node the 3xx itself comes back.
  let reached = 0;
  const { url: elsewhere, server: other } = await serve((req, res) => {
    reached += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  const { url, server } = await serve((req, res) => {
    res.writeHead(307, { location: `${elsewhere}${req.url}` }).end();
  });
  try {
    const client = new Client({ baseUrl: url, credentials: { bearerToken: 'secret-token' }, now, maxRetries: 3 });
    const events = [];
    const r = await rejected(client.totals(spec, { onProgress: (e) => events.push(e) }), 'api_error');
    const failed = events.filter((e) => e.kind === 'batch_failed');
    assert.equal(failed.length, 1);
    assert.equal(failed[0].status, 307);
    assert.equal(failed[0].failure, 'permanent', failed[0].message);
    assert.match(failed[0].message, /redirect/);
    assert.match(failed[0].message, /base URL/);
    assert.equal(r.summary.progress.attempts, 1, 'a redirect is not retried');
    assert.equal(r.ledger[0].status, 'failed');
    assert.match(r.ledger[0].failures.join(' '), /redirect/);
    assert.equal(reached, 0, 'the request went where the redirect pointed');
  } finally {
    for (const s of [server, other]) {
      s.closeAllConnections();
      s.close();
    }
  }
});

test('maxRateLimitedRetries bounds the attempts after 429s, as RetryPolicy::max_rate_limited_retries does', async () => {
  let requests = 0;
  const { url, server } = await serve((req, res) => {
    requests += 1;
    res.writeHead(429, { 'content-type': 'application/json' }).end('{"title":"Too Many Requests"}');
  });
  try {
    for (const [max, attempts] of [[0, 1], [2, 3]]) {
      requests = 0;
      const client = new Client({ baseUrl: url, credentials: { bearerToken: 't' }, now, quotaWindowMs: 10, maxRateLimitedRetries: max });
      const r = await rejected(client.totals(spec), 'api_error');
      assert.equal(r.summary.progress.attempts, attempts, `maxRateLimitedRetries ${max}`);
      assert.equal(r.summary.progress.rateLimited, attempts);
      assert.equal(requests, attempts);
      assert.equal(r.ledger[0].status, 'failed');
    }
  } finally {
    server.closeAllConnections();
    server.close();
  }
  assert.throws(() => new Client({ maxRateLimitedRetries: -1 }), { code: 'invalid_options', message: /maxRateLimitedRetries/ });
});

test('an abort during the wait for the quota window ends it: the 429 does not hold the page', { timeout: 60000 }, async () => {
  // A quota window of ten minutes: without the abort ending the wait, this test would hang.
  let requests = 0;
  const { url, server } = await serve((req, res) => {
    requests += 1;
    res.writeHead(429, { 'content-type': 'application/json' }).end('{"title":"Too Many Requests"}');
  });
  try {
    const client = new Client({ baseUrl: url, credentials: { bearerToken: 't' }, now, quotaWindowMs: 600000 });
    const controller = new AbortController();
    const retrying = [];
    const error = await client
      .totals(spec, {
        signal: controller.signal,
        onProgress: (e) => {
          if (e.kind !== 'retrying') return;
          retrying.push(e);
          controller.abort(new Error('the user left'));
        },
      })
      .then(() => null, (e) => e);
    assert.ok(error instanceof XengageError, String(error));
    assert.equal(error.code, 'aborted');
    assert.equal(error.cause?.message, 'the user left');
    assert.equal(retrying[0].failure, 'rate_limited');
    assert.ok(retrying[0].afterMs > 60000, `the wait is the quota window: ${JSON.stringify(retrying[0])}`);
    assert.equal(requests, 1);
    assert.equal(error.result.ledger[0].status, 'cancelled');
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('an abort while a request is in flight aborts its fetch: the server sees the connection close', { timeout: 60000 }, async () => {
  let closed = false;
  const { url, server } = await serve((req, res) => {
    res.on('close', () => (closed = true)); // never answered
  });
  try {
    const client = new Client({ baseUrl: url, credentials: { bearerToken: 't' }, now, timeoutMs: 600000 });
    const controller = new AbortController();
    const job = client.totals(spec, {
      signal: controller.signal,
      onProgress: (e) => {
        if (e.kind === 'sent') setTimeout(() => controller.abort(), 50);
      },
    });
    await rejected(job, 'aborted');
    await eventually(() => closed);
    assert.ok(closed, 'the aborted request is still open on the server');
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
