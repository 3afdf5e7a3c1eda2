// The example page in a real headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core): the page loads the installed package's browser build and collects a
// historical range with its Client through `xengage proxy` (which holds the credentials and
// signs) from `xengage emulate`, and charts it. The test checks the numbers shown against the
// `xengage` CLI asking the emulator directly, and saves a screenshot to
// test-results/example.png. XENGAGE_CONSUMER names the consumer project where run.mjs
// installed the packed tarball; XENGAGE_BIN the xengage binary.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const pkg = resolve(fileURLToPath(import.meta.url), '../..');
const installed = process.env.XENGAGE_CONSUMER
  ? join(process.env.XENGAGE_CONSUMER, 'node_modules/xengage')
  : pkg;
const bin = process.env.XENGAGE_BIN;
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
const children = [];

// Starts `xengage ARGS` and resolves to the JSON line it prints when ready.
async function server(args, env) {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { PATH: process.env.PATH, ...env } });
  children.push(child);
  const lines = createInterface({ input: child.stdout });
  return JSON.parse(await new Promise((ok) => lines.once('line', ok)));
}

function listen(handler) {
  return new Promise((ok) => {
    const server = createServer(handler);
    server.listen(0, '127.0.0.1', () => ok(server));
  });
}
const origin = (server) => `http://127.0.0.1:${server.address().port}`;

function serveFile(res, root, rel) {
  const path = normalize(join(root, rel));
  if (!path.startsWith(root)) return res.writeHead(403).end();
  try {
    const bytes = readFileSync(path);
    res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(bytes);
  } catch {
    res.writeHead(404).end();
  }
}

let site;
let emulator;
let proxy;
let credentials;
let context;
let profile;

before(async () => {
  site = await listen((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname.startsWith('/xengage/')) return serveFile(res, installed, url.pathname.slice(9));
    // A page of the site's origin with no script of its own.
    if (url.pathname === '/blank') return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>blank</title>');
    serveFile(res, join(pkg, 'example'), url.pathname === '/' ? 'index.html' : url.pathname);
  });
  assert.ok(bin, 'XENGAGE_BIN must name the xengage binary (cargo xtask ci sets it)');
  emulator = await server(['emulate', '--seed', '11']);
  const a = emulator.accounts[0];
  credentials = {
    X_CONSUMER_KEY: emulator.consumer_key,
    X_CONSUMER_SECRET: emulator.consumer_secret,
    X_ACCESS_TOKEN: a.access_token,
    X_ACCESS_TOKEN_SECRET: a.access_token_secret,
  };
  proxy = await server(
    ['proxy', '--listen', '127.0.0.1:0', '--allow-origin', origin(site), '--upstream', emulator.url],
    credentials,
  );
  profile = mkdtempSync(join(tmpdir(), 'xengage-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
});

after(async () => {
  await context?.close();
  site?.close();
  for (const child of children) child.kill();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

// A post created well before the window, and a window of 12 whole hours two days ago (UTC).
function windowAndPost() {
  const created = (id) => Number((BigInt(id) >> 22n) + 1288834974657n);
  const day = new Date(Date.now() - 2 * 24 * 3600e3).toISOString().slice(0, 10);
  const start = `${day}T00:00:00Z`;
  const post = emulator.accounts[0].post_ids.find((id) => created(id) < Date.parse(start) - 24 * 3600e3);
  assert.ok(post, 'the emulator world has an old enough post');
  return { post, start, end: `${day}T12:00:00Z` };
}

test('the example page charts the hourly impressions it collected through the proxy', async () => {
  const { post, start, end } = windowAndPost();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${origin(site)}/?${new URLSearchParams({ api: proxy.url, post, start, end })}`);
  await page.waitForFunction(() => document.getElementById('status').textContent !== 'loading', null, { timeout: 60_000 });
  assert.deepEqual(errors, []);
  assert.equal(await page.textContent('#status'), 'ok: 12 hours');
  assert.equal(await page.textContent('#ledger'), `${post}: served`);

  const cli = execFileSync(
    bin,
    ['request', 'historical', '--ids', post, '--metrics', 'impressions',
      '--group-by', 'hourly=tweet.id,engagement.type,engagement.day,engagement.hour',
      '--start', start, '--end', end, '--base-url', emulator.url, '--format', 'jsonl'],
    { env: { PATH: process.env.PATH, ...credentials }, encoding: 'utf8' },
  );
  const expected = cli.trim().split('\n').map((l) => JSON.parse(l))
    .sort((x, y) => (x.time < y.time ? -1 : 1)).map((r) => r.value);
  assert.equal(expected.length, 12);
  const shown = await page.$$eval('#rows tbody tr td:nth-child(2)', (tds) => tds.map((td) => Number(td.textContent)));
  assert.deepEqual(shown, expected);
  const bars = await page.$$eval('#chart rect', (rs) => rs.map((r) => Number(r.dataset.value)));
  assert.deepEqual(bars, expected);
  assert.equal(Number(await page.textContent('#total')), expected.reduce((a, b) => a + b, 0));
  assert.match(await page.textContent('#progress'), /1\/1/);
  assert.match(await page.textContent('#quota'), /^\d+ of \d+ requests left this minute$/);

  mkdirSync(join(pkg, 'test-results'), { recursive: true });
  await page.screenshot({ path: join(pkg, 'test-results/example.png'), fullPage: true });
});

test('the example page lists every problem of an invalid request', async () => {
  const page = await context.newPage();
  await page.goto(`${origin(site)}/?${new URLSearchParams({ api: proxy.url, post: '12x' })}`);
  await page.waitForFunction(() => document.getElementById('status').textContent !== 'loading');
  assert.equal(await page.textContent('#status'), 'invalid request (invalid_request)');
  const problems = await page.$$eval('#problems li', (lis) => lis.map((li) => li.textContent));
  assert.ok(problems.some((p) => p.startsWith('tweet_ids[0]')), problems.join('\n'));
});

test('in a page, a redirect is not followed: nothing reaches where it points', async () => {
  // fetch in a page with redirect: "manual" hides the redirect (an opaque answer with status 0):
  // xengage-web turns it into a permanent failure saying so, as native refuses a 3xx.
  let reached = 0;
  const cors = { 'access-control-allow-origin': origin(site), 'access-control-allow-headers': '*', 'access-control-allow-methods': '*' };
  const elsewhere = await listen((req, res) => {
    reached += 1;
    res.writeHead(200, { ...cors, 'content-type': 'application/json' }).end('{}');
  });
  const redirector = await listen((req, res) => {
    if (req.method === 'OPTIONS') return res.writeHead(204, cors).end();
    res.writeHead(307, { ...cors, location: `${origin(elsewhere)}${req.url}` }).end();
  });
  const page = await context.newPage();
  try {
    await page.goto(`${origin(site)}/`);
    const r = await page.evaluate(async (baseUrl) => {
      const { Client } = await import('/xengage/web.js');
      const client = new Client({ baseUrl, credentials: { bearerToken: 'page-token' }, maxRetries: 3 });
      const events = [];
      // Nothing answered: the job rejects, its result in the error.
      const error = await client
        .totals({ postIds: ['2026102274257846273'], metrics: ['favorites'] }, { onProgress: (e) => events.push(e) })
        .then(() => null, (e) => e);
      const out = error.result;
      return { code: error.code, events: events.filter((e) => e.kind === 'batch_failed'), attempts: out.summary.progress.attempts, ledger: out.ledger };
    }, origin(redirector));
    assert.equal(r.code, 'request_failed');
    assert.equal(r.events.length, 1);
    assert.equal(r.events[0].failure, 'permanent', r.events[0].message);
    assert.match(r.events[0].message, /redirect/);
    assert.match(r.events[0].message, /base URL/);
    assert.equal(r.attempts, 1, 'a redirect is not retried');
    assert.equal(r.ledger[0].status, 'failed');
    assert.equal(reached, 0, 'the request went where the redirect pointed');
  } finally {
    await page.close();
    redirector.close();
    elsewhere.close();
  }
});

test('a proxy that refuses the page origin makes collect reject at once, naming the origin and URL', async () => {
  // The same proxy setup, allowing another origin only: the browser refuses the answers (CORS).
  const strict = await server(
    ['proxy', '--listen', '127.0.0.1:0', '--allow-origin', 'https://dashboard.example.com', '--upstream', emulator.url],
    credentials,
  );
  const page = await context.newPage();
  try {
    await page.goto(`${origin(site)}/`);
    const r = await page.evaluate(async (baseUrl) => {
      const { Client } = await import('/xengage/web.js');
      let fetches = 0;
      const client = new Client({ baseUrl, retryBaseDelayMs: 2000, fetch: (req) => (fetches += 1, fetch(req)) });
      const started = performance.now();
      const postIds = Array.from({ length: 30 }, (_, i) => String(1855000000000000000n + BigInt(i)));
      const e = await client.totals({ postIds, metrics: ['favorites'] }).then(() => null, (e) => e);
      return { code: e?.code, message: e?.message, fetches, ms: performance.now() - started, failed: e?.result?.counts.failed };
    }, strict.url);
    assert.equal(r.code, 'network_error', r.message);
    assert.equal(r.fetches, 1, 'one attempt, no retries');
    assert.match(r.message, /CORS/);
    assert.ok(r.message.includes(origin(site)), r.message);
    assert.ok(r.message.includes(`${strict.url.replace(/\/$/, '')}/insights/engagement/totals`), r.message);
    assert.equal(r.failed, 30);
  } finally {
    await page.close();
  }
});

test('v2 Hourly in a page: summing the rows of every grouping gives the time series alone, totals apart', async () => {
  const { post } = windowAndPost();
  const page = await context.newPage();
  try {
    await page.goto(`${origin(site)}/`);
    const r = await page.evaluate(async ({ baseUrl, post }) => {
      const { Client } = await import('/xengage/web.js');
      const client = new Client({ baseUrl });
      const result = await client.insights28Hours({ postIds: [post], metrics: ['impressions'], granularity: 'Hourly' });
      const sum = (rows) => rows.reduce((s, x) => s + x.value, 0);
      return {
        names: Object.keys(result.groupings),
        everyGrouping: sum(Object.values(result.groupings).flatMap((g) => g.rows)),
        series: sum(result.groupings.metrics_time_series.rows),
        totals: sum(result.totals.rows),
      };
    }, { baseUrl: proxy.url, post });
    assert.deepEqual(r.names, ['metrics_time_series']);
    assert.ok(r.series > 0);
    assert.equal(r.everyGrouping, r.series);
    assert.equal(r.totals, r.series);
  } finally {
    await page.close();
  }
});

test('a page that imports the package and only checks requests fetches no client module', async () => {
  const page = await context.newPage();
  const fetched = [];
  page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  try {
    // A page of the site's origin with no script of its own (the example page would load a Client).
    await page.goto(`${origin(site)}/blank`);
    const r = await page.evaluate(async () => {
      const m = await import('/xengage/web.js');
      const before = performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.endsWith('.wasm'));
      await m.init();
      const check = m.checkRequest({ endpoint: 'totals', postIds: ['12x'] });
      const built = m.buildRequest({ endpoint: 'totals', postIds: ['1070059276213702656'], metrics: ['favorites'] });
      return { before, ok: check.ok, field: check.problems[0]?.field, method: built.method };
    });
    assert.deepEqual(r, { before: [], ok: false, field: 'tweet_ids[0]', method: 'POST' });
    assert.ok(fetched.includes('/xengage/dist/xengage_lean_bg.wasm'), fetched.join('\n'));
    assert.ok(!fetched.some((p) => p.includes('xengage_wasm')), `a client module was fetched:\n${fetched.join('\n')}`);
  } finally {
    await page.close();
  }
});
