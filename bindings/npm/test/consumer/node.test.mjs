// Node's test runner over the package installed from its packed tarball (see ../run.mjs).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { buildRequest, checkRequest, Client, parseResponse, signRequest, toRows, XengageError } from 'xengage';

const now = '2026-11-22T12:00:00Z';

test('buildRequest builds a v1 historical POST with the window rounded to hours', () => {
  const r = buildRequest(
    {
      endpoint: 'historical',
      postIds: ['1855000000000000000', '1855000000000000000'],
      metrics: ['impressions', 'engagements'],
      groupings: [{ name: 'hourly', groupBy: ['tweet.id', 'engagement.type', 'engagement.day', 'engagement.hour'] }],
      start: new Date('2026-11-01T00:00:00Z'),
      end: '2026-11-08T12:24:00Z',
    },
    { now: new Date(now) },
  );
  assert.equal(r.method, 'POST');
  assert.equal(r.url, 'https://data-api.x.com/insights/engagement/historical');
  assert.equal(r.headers['content-type'], 'application/json');
  const body = JSON.parse(r.body);
  assert.deepEqual(body.tweet_ids, ['1855000000000000000']);
  assert.equal(body.end, '2026-11-08T13:00:00Z');
  const codes = r.notices.map((n) => n.code);
  assert.ok(codes.includes('duplicate_post_ids_removed'), codes.join());
  assert.ok(codes.includes('window_rounded'), codes.join());
  assert.ok(r.notices.every((n) => typeof n.message === 'string' && n.message.length > 0));
});

test('buildRequest builds a v2 GET against a base URL, with now in milliseconds', () => {
  const r = buildRequest(
    { endpoint: 'insights-28hr', postIds: ['1070059276213702656'], metrics: ['impressions'], granularity: 'Hourly' },
    { now: Date.parse(now), baseUrl: 'http://127.0.0.1:9000', credential: 'o_auth2_user' },
  );
  assert.equal(r.method, 'GET');
  assert.equal(r.body, null);
  const url = new URL(r.url);
  assert.equal(url.origin + url.pathname, 'http://127.0.0.1:9000/2/insights/28hr');
  assert.equal(url.searchParams.get('granularity'), 'Hourly');
});

test('an invalid spec throws XengageError listing every problem', () => {
  let thrown;
  try {
    buildRequest({ endpoint: 'totals', postIds: ['12x'], metrics: ['media_clicks'] }, { now });
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown instanceof XengageError);
  assert.ok(thrown instanceof Error);
  assert.equal(thrown.name, 'XengageError');
  assert.equal(thrown.code, 'invalid_request');
  assert.equal(thrown.problems.length, 2);
  assert.equal(thrown.problems[0].field, 'tweet_ids[0]');
  assert.equal(thrown.problems[0].value, '12x');
  assert.match(thrown.message, /media_engagements/);
});

test('wrong shapes and bad options have their own codes', () => {
  assert.throws(() => buildRequest({ endpoint: 'totals', postId: ['1'] }, { now }), {
    name: 'XengageError',
    code: 'invalid_spec',
    message: /postId/,
  });
  assert.throws(() => buildRequest({ endpoint: 'weekly' }, { now }), { code: 'invalid_spec' });
  assert.throws(() => buildRequest({ endpoint: 'totals', postIds: ['1'] }, { now: 'yesterday' }), {
    code: 'invalid_options',
  });
  assert.throws(() => buildRequest({ endpoint: 'totals', postIds: ['1'] }, { now, baseUrl: 'ftp:x' }), {
    code: 'invalid_options',
  });
});

test('the credential option refuses what it cannot reach', () => {
  assert.throws(
    () => buildRequest({ endpoint: 'insights-28hr', postIds: ['1070059276213702656'], metrics: ['impressions'] }, { now, credential: 'app_only' }),
    (e) => e instanceof XengageError && e.code === 'invalid_request' && e.problems.length > 0,
  );
});

test('checkRequest returns problems as data while the user types', () => {
  const partial = checkRequest({ endpoint: 'historical', postIds: [] }, { now });
  assert.equal(partial.ok, false);
  assert.ok(partial.problems.length >= 1);
  assert.ok(partial.problems.every((p) => typeof p.field === 'string' && typeof p.rule === 'string'));
  const done = checkRequest({ endpoint: 'totals', postIds: ['1070059276213702656'], metrics: ['favorites'] }, { now });
  assert.equal(done.ok, true);
  assert.deepEqual(done.problems, []);
  assert.deepEqual(done.notices.map((n) => n.code), ['default_grouping']);
});

test('checkRequest never throws for anything a form could hold', () => {
  const forms = [
    { endpoint: 'weekly' },
    { endpoint: 'totals', postIds: [1070059276213702656] },
    { endpoint: 'totals', postId: ['1'] },
    { endpoint: 'historical', postIds: ['1'], start: new Date('not a date') },
    { endpoint: 'historical', postIds: ['1'], start: Number.NaN },
    null,
    'totals',
    [],
  ];
  for (const spec of forms) {
    const r = checkRequest(spec, { now });
    assert.equal(r.ok, false, JSON.stringify(spec));
    assert.ok(r.problems.length >= 1 && r.problems.every((p) => p.rule.length > 0), JSON.stringify(r));
  }
  const badOptions = checkRequest({ endpoint: 'totals', postIds: ['1'] }, { now: 'yesterday' });
  assert.equal(badOptions.ok, false);
  assert.equal(badOptions.problems[0].field, 'options');
});

test('signRequest signs a built request with OAuth 1.0a as the CLI does', () => {
  const built = buildRequest({ endpoint: 'totals', postIds: ['1070059276213702656'], metrics: ['favorites'] }, { now });
  const credentials = { consumerKey: 'ck', consumerSecret: 'cs', accessToken: 'at', accessTokenSecret: 'ats' };
  const signed = signRequest(built, credentials, { nonce: 'abc', timestamp: 1795348800 });
  assert.match(signed.headers.authorization, /^OAuth .*oauth_nonce="abc"/);
  assert.equal(signed.url, built.url);
  assert.equal(signed.body, built.body);
  const env = {
    ...process.env,
    X_CONSUMER_KEY: 'ck',
    X_CONSUMER_SECRET: 'cs',
    X_ACCESS_TOKEN: 'at',
    X_ACCESS_TOKEN_SECRET: 'ats',
  };
  const out = spawnSync(
    bin,
    ['oauth1', 'sign', '--method', 'POST', '--url', built.url, '--nonce', 'abc', '--timestamp', '1795348800'],
    { env, encoding: 'utf8' },
  );
  assert.equal(out.status, 0, out.stderr);
  const signature = /oauth_signature="([^"]+)"/.exec(signed.headers.authorization)[1];
  assert.ok(out.stdout.includes(signature), `${out.stdout} lacks ${signature}`);
  const fresh = signRequest(built, credentials);
  assert.notEqual(/oauth_nonce="([^"]+)"/.exec(fresh.headers.authorization)[1], 'abc');
  assert.equal(signRequest(built, { bearerToken: 'tok' }).headers.authorization, 'Bearer tok');
  assert.throws(() => signRequest(built, { bearerToken: 'very-secret', userToken: 'x' }), (e) => e.code === 'invalid_options' && !e.message.includes('very-secret'));
});

// ---- parseResponse -------------------------------------------------------------------------

const hourlySpec = {
  endpoint: 'historical',
  postIds: ['1855000000000000000', '1855000000000000001'],
  metrics: ['impressions', 'engagements'],
  groupings: [{ name: 'hourly', groupBy: ['tweet.id', 'engagement.type', 'engagement.day', 'engagement.hour'] }],
  start: '2026-11-20T00:00:00Z',
  end: '2026-11-20T02:00:00Z',
};
const hourlyBody = JSON.stringify({
  start: '2026-11-20T00:00:00Z',
  end: '2026-11-20T02:00:00Z',
  hourly: {
    '1855000000000000000': {
      impressions: { '2026-11-20': { '00': '5', '01': 7 } },
      engagements: { '2026-11-20': { '00': '1', '01': '0' } },
    },
  },
  unavailable_tweet_ids: ['1855000000000000001'],
  something_new: { kept: true },
});

test('parseResponse gives rows as objects and as typed columns, and a ledger of every post', () => {
  const headers = new Headers({ 'x-per-minute-limit': '60', 'x-per-minute-remaining': '59' });
  const r = parseResponse(hourlySpec, { status: 200, headers, body: hourlyBody }, { now });
  assert.equal(r.endpoint, 'historical');
  assert.deepEqual(Object.keys(r.groupings), ['hourly']);
  assert.equal(r.totals, null);
  const hourly = r.groupings.hourly;
  assert.equal(hourly.rowCount, 4);
  assert.equal(hourly.columns.length, 4);
  assert.ok(hourly.columns.value instanceof Float64Array);
  assert.ok(hourly.columns.time instanceof Float64Array);
  assert.ok(hourly.columns.post instanceof Int32Array);
  assert.deepEqual([...hourly.columns.value].sort((a, b) => a - b), [0, 1, 5, 7]);
  const rows = hourly.rows;
  assert.equal(rows, hourly.rows, 'rows are built once');
  assert.deepEqual(
    rows.filter((x) => x.metric === 'impressions').map((x) => [x.time, x.value]),
    [['2026-11-20T00:00:00Z', 5], ['2026-11-20T01:00:00Z', 7]],
  );
  assert.ok(rows.every((x) => x.bucket === 'hour' && x.postId === '1855000000000000000'));
  assert.deepEqual(toRows(hourly.columns), rows);
  const byPost = Object.fromEntries(r.ledger.map((e) => [e.postId, e.status]));
  assert.ok(r.ledger.every((e) => Array.isArray(e.missingFrom) && !('post_id' in e)));
  assert.deepEqual(byPost, { '1855000000000000000': 'served', '1855000000000000001': 'unavailable' });
  assert.deepEqual(r.extra, { something_new: { kept: true } });
  assert.ok(r.notices.some((n) => n.code === 'unknown_key' && n.message.includes('something_new')));
  assert.deepEqual(r.rateLimit, { limit: 60, remaining: 59, reset: null, quota: 'per_minute' });
  // The same answer as bytes, with headers as pairs.
  const again = parseResponse(hourlySpec, { status: 200, headers: [['X-Per-Minute-Limit', '60']], body: new TextEncoder().encode(hourlyBody) }, { now });
  assert.deepEqual(again.groupings.hourly.rows, rows);
  // Any iterable of pairs: an iterator of a Headers, a generator, a Set.
  function* pairs() {
    yield ['x-per-minute-limit', '60'];
    yield ['x-per-minute-remaining', '58'];
  }
  for (const given of [headers.entries(), pairs(), new Set(pairs())]) {
    const r = parseResponse(hourlySpec, { status: 200, headers: given, body: hourlyBody }, { now });
    assert.ok(r.rateLimit?.limit === 60, JSON.stringify(r.rateLimit));
  }
});

test('parseResponse throws typed errors with status, retryability and the posts refused', () => {
  const forbidden = JSON.stringify({ errors: ['Forbidden to access tweets: 1855000000000000001'] });
  assert.throws(
    () => parseResponse(hourlySpec, { status: 403, headers: {}, body: forbidden }, { now }),
    (e) =>
      e instanceof XengageError &&
      e.code === 'api_error' &&
      e.status === 403 &&
      e.retryable === false &&
      e.postIds.join() === '1855000000000000001',
  );
  assert.throws(
    () => parseResponse(hourlySpec, { status: 503, headers: {}, body: 'Service Unavailable' }, { now }),
    (e) => e.code === 'api_error' && e.status === 503 && e.retryable === true,
  );
  assert.throws(
    () => parseResponse(hourlySpec, { status: 200, headers: {}, body: '{"hourly":{"1855000000000000000":{"impressions":{"2026-11-20":{"00":"-3"}}}}}' }, { now }),
    (e) => e.code === 'malformed_response' && /hourly/.test(e.message),
  );
  assert.throws(() => parseResponse(hourlySpec, { status: 200, body: 42 }, { now }), { code: 'invalid_response' });
});

// ---- Client against the emulator (the xengage CLI's `emulate`, started here) ---------------

const bin = process.env.XENGAGE_BIN;
let emulator;
let ready;

before(async () => {
  assert.ok(bin, 'XENGAGE_BIN must name the xengage binary (cargo xtask ci sets it)');
  emulator = spawn(bin, ['emulate', '--seed', '5', '--now', now, '--quota', '600', '--minute-ms', '1000'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: emulator.stdout });
  ready = JSON.parse(await new Promise((ok) => lines.once('line', ok)));
});

after(() => emulator?.kill());

function oauth1() {
  const a = ready.accounts[0];
  return {
    consumerKey: ready.consumer_key,
    consumerSecret: ready.consumer_secret,
    accessToken: a.access_token,
    accessTokenSecret: a.access_token_secret,
  };
}

// The CLI's rows (its closing `{"summary": ...}` line left out); exit 3 (some posts partly
// served, as old posts on totals are) is expected.
function cli(args, env) {
  const r = spawnSync(bin, [...args, '--base-url', ready.url, '--now', now, '--format', 'jsonl'], {
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
  });
  assert.ok(r.status === 0 || r.status === 3, `xengage exited ${r.status}: ${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((x) => !('summary' in x));
}

// The same credentials as the CLI's environment.
function cliEnv() {
  const c = oauth1();
  return {
    X_CONSUMER_KEY: c.consumerKey,
    X_CONSUMER_SECRET: c.consumerSecret,
    X_ACCESS_TOKEN: c.accessToken,
    X_ACCESS_TOKEN_SECRET: c.accessTokenSecret,
  };
}

// A row's key within one grouping (the package's rows sit in their grouping; the CLI's name it).
const key = (r) => `${r.postId ?? r.post_id}|${r.metric}|${r.time}`;
const only = (result) => {
  const tables = Object.values(result.groupings);
  assert.equal(tables.length, 1, Object.keys(result.groupings).join());
  return tables[0];
};

test('Client.totals signs with OAuth 1.0a for the canonical URL and matches the CLI', async () => {
  const a = ready.accounts[0];
  const ids = [...a.post_ids.slice(0, 5), a.deleted_post_ids[0], ready.accounts[1].post_ids[0]];
  const client = new Client({ baseUrl: ready.url, credentials: oauth1(), now, quotaWindowMs: 1000 });
  const r = await client.totals({ postIds: ids, metrics: ['impressions', 'favorites'] });
  const status = Object.fromEntries(r.ledger.map((e) => [e.postId, e.status]));
  assert.deepEqual(Object.keys(status).sort(), [...ids].sort(), 'every id accounted for');
  assert.equal(status[a.deleted_post_ids[0]], 'unavailable');
  assert.equal(status[ready.accounts[1].post_ids[0]], 'forbidden');
  // Posts older than 90 days get no impressions on totals: partial, with the reason.
  const created = (id) => Number((BigInt(id) >> 22n) + 1288834974657n);
  for (const id of a.post_ids.slice(0, 5)) {
    const old = created(id) < Date.parse(now) - 90 * 24 * 3600e3;
    assert.equal(status[id], old ? 'partial' : 'served', id);
    const entry = r.ledger.find((e) => e.postId === id);
    assert.deepEqual(entry.unsupported.map((u) => [u.metric, u.maxDays]), old ? [['impressions', 90]] : []);
  }
  assert.equal(r.summary.progress.narrowed, 1);
  // What planning said is in the summary: the old posts were asked apart, favorites only.
  const oldOnes = ids.filter((id) => created(id) < Date.parse(now) - 90 * 24 * 3600e3);
  const tooOld = r.summary.notices.filter((n) => n.code === 'post_too_old_for_metric').map((n) => n.postId);
  assert.deepEqual(tooOld.sort(), [...oldOnes].sort(), JSON.stringify(r.summary.notices));
  const fromCli = cli(['request', 'totals', '--ids', a.post_ids.slice(0, 5).join(','), '--metrics', 'impressions,favorites'], cliEnv());
  const table = only(r);
  assert.equal(table.rows.length, fromCli.length);
  assert.ok(fromCli.every((x) => x.grouping === table.name));
  const expected = new Map(fromCli.map((x) => [key(x), x.value]));
  for (const row of table.rows) assert.equal(row.value, expected.get(key(row)), key(row));
});

test('Client.historical splits a 6-week range into windows, merges them and reports progress', async () => {
  const a = ready.accounts[0];
  const events = [];
  const client = new Client({ baseUrl: ready.url, credentials: oauth1(), now, quotaWindowMs: 1000 });
  const spec = {
    postIds: a.post_ids.slice(0, 3),
    metrics: ['impressions'],
    groupings: [{ name: 'daily', groupBy: ['tweet.id', 'engagement.type', 'engagement.day'] }],
    start: '2026-10-01',
    end: '2026-11-12',
  };
  const r = await client.collect({ ...spec, endpoint: 'historical' }, { onProgress: (e) => events.push(e) });
  assert.equal(r.summary.progress.requestsPlanned, 2);
  assert.equal(r.summary.progress.requestsDone, 2);
  assert.equal(events.filter((e) => e.kind === 'batch_done').length, 2);
  assert.ok(events.every((e) => typeof e.progress.requestsPlanned === 'number'));
  const rows = r.groupings.daily.rows;
  assert.equal(new Set(rows.map(key)).size, rows.length, 'no day twice across windows');
  assert.ok(rows.some((x) => x.time === '2026-10-01') && rows.some((x) => x.time === '2026-11-11'));
  const fromCli = cli(
    ['collect', 'historical', '--ids', spec.postIds.join(','), '--metrics', 'impressions', '--group-by', 'daily=tweet.id,engagement.type,engagement.day', '--quiet', '--start', spec.start, '--end', spec.end],
    cliEnv(),
  );
  assert.equal(rows.length, fromCli.length);
  const expected = new Map(fromCli.map((x) => [`${x.post_id}|${x.time}`, x.value]));
  for (const row of rows) assert.equal(row.value, expected.get(`${row.postId}|${row.time}`), `${row.postId} ${row.time}`);
});

test('Client.insights28Hours with an OAuth 2.0 user token; an app-only token is refused before sending', async () => {
  const a = ready.accounts[0];
  const client = new Client({ baseUrl: ready.url, credentials: { userToken: a.user_token }, now });
  const r = await client.insights28Hours({ postIds: a.post_ids.slice(0, 2), metrics: ['impressions', 'likes'], granularity: 'Hourly' });
  assert.deepEqual(Object.keys(r.groupings), ['metrics_time_series']);
  const series = r.groupings.metrics_time_series.rows;
  assert.ok(series.length > 0 && series.every((x) => x.bucket === 'hour'));
  assert.equal(r.totals.name, 'metrics_total');
  assert.ok(r.totals.rows.every((x) => x.bucket === 'total'));
  // The README's sum: every row of every grouping counts each hour once, and equals the totals.
  const impressions = (rows) => rows.filter((x) => x.metric === 'impressions').reduce((s, x) => s + x.value, 0);
  const everyGrouping = Object.values(r.groupings).flatMap((g) => g.rows);
  assert.equal(impressions(everyGrouping), impressions(series));
  assert.equal(impressions(r.totals.rows), impressions(series));
  // Likes were asked; rows say favorites (the v1 spelling).
  assert.ok(series.some((x) => x.metric === 'favorites') && !series.some((x) => x.metric === 'likes'));
  assert.ok(r.ledger.every((e) => e.status === 'served'));
  const appOnly = new Client({ baseUrl: ready.url, credentials: { bearerToken: ready.bearer_token }, now });
  await assert.rejects(appOnly.last28Hours({ postIds: a.post_ids.slice(0, 1), metrics: ['impressions'] }), {
    code: 'invalid_request',
  });
});

test('Client.analytics and Client.mediaAnalytics with an OAuth 2.0 user token', async () => {
  const a = ready.accounts[0];
  const client = new Client({ baseUrl: ready.url, credentials: { userToken: a.user_token }, now });
  const query = { metrics: ['impressions', 'likes'], granularity: 'daily', start: '2026-11-15', end: '2026-11-22' };
  const r = await client.analytics({ ...query, postIds: a.post_ids.slice(0, 2) });
  assert.deepEqual(Object.keys(r.groupings), ['timestamped_metrics']);
  const series = r.groupings.timestamped_metrics.rows;
  assert.ok(series.length > 0 && series.every((x) => x.bucket === 'day'));
  // The items' top-level totals are apart, and equal the buckets' sum.
  assert.equal(r.totals.name, 'totals');
  const impressions = (rows) => rows.filter((x) => x.metric === 'impressions').reduce((s, x) => s + x.value, 0);
  assert.equal(impressions(r.totals.rows), impressions(series));
  assert.ok(r.ledger.every((e) => e.status === 'served'));
  assert.ok(series.every((x) => x.mediaKey === null && typeof x.postId === 'string'));
  const keys = ready.owned_media_keys.slice(0, 2);
  const events = [];
  const m = await client.mediaAnalytics(
    { mediaKeys: keys, metrics: ['video_views'], start: '2026-11-15', end: '2026-11-22' },
    { onProgress: (e) => events.push(e) },
  );
  // Progress names the media a batch asked, as it names the posts of a post job.
  const done = events.filter((e) => e.kind === 'batch_done');
  assert.deepEqual(done.map((e) => [e.postIds, e.mediaKeys]), [[[], keys]]);
  const media = m.groupings.timestamped_metrics.rows;
  assert.ok(media.length > 0);
  // Each row names its media, never a post.
  assert.ok(media.every((x) => x.postId === null && keys.includes(x.mediaKey)), JSON.stringify(media[0]));
  assert.ok(m.totals.rows.every((x) => x.postId === null && keys.includes(x.mediaKey)));
  assert.deepEqual(m.ledger.map((e) => [e.postId, e.mediaKey]), keys.map((k) => [null, k]));
  assert.equal(m.summary.progress.requestsDone, 1);
});

test('a string body that is not all ASCII reads as its UTF-8 bytes do, however long', () => {
  // The text crosses into wasm by TextEncoder.encodeInto: ASCII first, then the rest at up to
  // three bytes a UTF-16 unit. Non-ASCII in an unknown key (kept in extra), early and late.
  const padding = 'x'.repeat(70000);
  const body = JSON.stringify({
    start: '2026-11-20T00:00:00Z',
    end: '2026-11-20T02:00:00Z',
    note_é: 'früh',
    hourly: JSON.parse(hourlyBody).hourly,
    tail: `${padding}€😀 – end`,
  });
  const fromText = parseResponse(hourlySpec, { status: 200, body }, { now });
  const fromBytes = parseResponse(hourlySpec, { status: 200, body: new TextEncoder().encode(body) }, { now });
  assert.equal(fromText.extra.note_é, 'früh');
  assert.equal(fromText.extra.tail, `${padding}€😀 – end`);
  assert.deepEqual(fromText.extra, fromBytes.extra);
  assert.deepEqual(fromText.groupings.hourly.rows, fromBytes.groupings.hourly.rows);
  // A shorter ASCII body after a longer one: nothing of the longer is read.
  const short = parseResponse(hourlySpec, { status: 200, body: hourlyBody }, { now });
  assert.equal(short.groupings.hourly.rowCount, 4);
  assert.deepEqual(short.extra, { something_new: { kept: true } });
  // A lone surrogate is read as U+FFFD, as TextEncoder.encode writes it.
  const lone = parseResponse(hourlySpec, { status: 200, body: body.replace('früh', 'a\uD800b') }, { now });
  assert.equal(lone.extra.note_é, 'a\uFFFDb');
});

test('columns of one value throughout are typed arrays like the others, made once when read', () => {
  const r = parseResponse(hourlySpec, { status: 200, body: hourlyBody }, { now });
  const c = r.groupings.hourly.columns;
  for (const name of ['post', 'media', 'metric', 'bucket', 'time', 'hourOfDay', 'value']) {
    assert.ok(Object.keys(c).includes(name), name);
  }
  assert.ok(c.media instanceof Int32Array);
  assert.deepEqual([...c.media], [-1, -1, -1, -1]);
  assert.equal(c.media, c.media, 'made once');
  assert.ok(c.bucket instanceof Uint8Array);
  assert.deepEqual([...c.bucket].map((b) => c.bucketKinds[b]), ['hour', 'hour', 'hour', 'hour']);
  assert.ok(c.hourOfDay instanceof Uint8Array);
  assert.deepEqual([...c.hourOfDay], [255, 255, 255, 255]);
  // Writable like the other columns once made.
  c.media[0] = 7;
  assert.equal(c.media[0], 7);
});

test('parseResponse of a media analytics answer: rows, columns and ledger name the media', () => {
  const keys = ['3_1992000000000000001', '13_1992000000000000002', '7_1992000000000000009'];
  const spec = { endpoint: 'media-analytics', mediaKeys: keys, metrics: ['video_views'], start: '2026-11-19T00:00:00Z', end: '2026-11-21T00:00:00Z' };
  const body = JSON.stringify({
    data: [
      {
        media_key: keys[0],
        video_views: 40,
        timestamped_metrics: [
          { timestamp: '2026-11-19T00:00:00.000Z', metrics: { video_views: 25 } },
          { timestamp: '2026-11-20T00:00:00.000Z', metrics: { video_views: 15 } },
        ],
      },
      { media_key: keys[1], video_views: 7, timestamped_metrics: [{ timestamp: '2026-11-19T00:00:00.000Z', metrics: { video_views: 7 } }] },
    ],
    errors: [
      {
        title: 'Not Found Error',
        detail: `Could not find media with key: [${keys[2]}].`,
        type: 'https://api.x.com/2/problems/resource-not-found',
        resource_type: 'media',
        resource_id: keys[2],
      },
    ],
  });
  const r = parseResponse(spec, { status: 200, headers: {}, body }, { now });
  const table = r.groupings.timestamped_metrics;
  assert.deepEqual(
    table.rows.map((x) => [x.postId, x.mediaKey, x.time, x.value]),
    [
      [null, keys[0], '2026-11-19', 25],
      [null, keys[0], '2026-11-20', 15],
      [null, keys[1], '2026-11-19', 7],
    ],
  );
  assert.deepEqual(table.columns.mediaKeys, keys.slice(0, 2));
  assert.ok(table.columns.media instanceof Int32Array);
  assert.deepEqual([...table.columns.media], [0, 0, 1]);
  assert.deepEqual([...table.columns.post], [-1, -1, -1]);
  assert.deepEqual(
    r.totals.rows.map((x) => [x.mediaKey, x.value]),
    [
      [keys[0], 40],
      [keys[1], 7],
    ],
  );
  assert.deepEqual(
    r.ledger.map((e) => [e.postId, e.mediaKey, e.status]),
    [
      [null, keys[0], 'served'],
      [null, keys[1], 'served'],
      [null, keys[2], 'unavailable'],
    ],
  );
  // Elsewhere the media column is -1 and mediaKey null.
  const v1 = parseResponse(
    { endpoint: 'totals', postIds: ['1855000000000000000'], metrics: ['favorites'], groupings: [{ name: 'g', groupBy: ['tweet.id', 'engagement.type'] }] },
    { status: 200, body: '{"g":{"1855000000000000000":{"favorites":"3"}}}' },
    { now },
  );
  const t = v1.groupings.g;
  assert.deepEqual(t.rows.map((x) => [x.postId, x.mediaKey, x.value]), [['1855000000000000000', null, 3]]);
  assert.deepEqual(t.columns.mediaKeys, []);
  assert.deepEqual([...t.columns.media], [-1]);
  assert.deepEqual(v1.ledger.map((e) => [e.postId, e.mediaKey]), [['1855000000000000000', null]]);
});

test('a wrong secret rejects with the 401, the failed posts in error.result, not a hang', async () => {
  const a = ready.accounts[0];
  const client = new Client({ baseUrl: ready.url, credentials: { ...oauth1(), consumerSecret: 'wrong' }, now });
  const events = [];
  let error;
  await assert.rejects(
    client.totals({ postIds: a.post_ids.slice(0, 2), metrics: ['favorites'] }, { onProgress: (e) => events.push(e) }),
    (e) => {
      error = e;
      return e instanceof XengageError && e.code === 'api_error' && e.status === 401 && /no request of this job was answered/.test(e.message);
    },
  );
  const r = error.result;
  assert.ok(r.ledger.every((e) => e.status === 'failed' && e.failures.some((f) => f.includes('401'))));
  const failed = events.filter((e) => e.kind === 'batch_failed');
  assert.deepEqual(failed.map((e) => e.failure), ['permanent'], 'a 401 is not retried');
  assert.deepEqual(failed.map((e) => e.status), [401], 'the status says what to change');
  assert.ok(!events.some((e) => e.kind === 'retrying'));
  assert.equal(r.summary.progress.requestsFailed, 1);
  assert.equal(Object.values(r.groupings).reduce((n, g) => n + g.rowCount, 0), 0);
});

/** A fetch for the Client's `fetch` option that counts what it sends. */
function countingFetch() {
  const sent = [];
  const f = (request) => {
    sent.push(request.url);
    return fetch(request);
  };
  return { f, sent };
}

test('an abort in the middle of a collect stops the fetches and rejects with the ledger saying cancelled', async () => {
  const a = ready.accounts[0];
  const { f, sent } = countingFetch();
  const client = new Client({ baseUrl: ready.url, credentials: oauth1(), now, quotaWindowMs: 1000, fetch: f, headers: { 'x-test': 'abort' } });
  const controller = new AbortController();
  const spec = {
    postIds: a.post_ids.slice(0, 3),
    metrics: ['impressions'],
    groupings: [{ name: 'daily', groupBy: ['tweet.id', 'engagement.type', 'engagement.day'] }],
    start: '2026-09-01',
    end: '2026-11-20',
  };
  let error;
  await assert.rejects(
    client.historical(spec, {
      signal: controller.signal,
      onProgress: (e) => {
        if (e.kind === 'batch_done') controller.abort();
      },
    }),
    (e) => {
      error = e;
      return e instanceof XengageError && e.code === 'aborted';
    },
  );
  assert.equal(sent.length, 1, 'nothing sent after the abort');
  await new Promise((ok) => setTimeout(ok, 300));
  assert.equal(sent.length, 1, 'nor later');
  const r = error.result;
  assert.ok(r.summary.progress.requestsPlanned >= 3);
  assert.ok(r.groupings.daily.rowCount > 0, 'the answered window is kept');
  // Every post was answered for one window and not the others: partial, with 'cancelled'.
  assert.ok(r.ledger.every((e) => e.failures.includes('cancelled')), JSON.stringify(r.ledger));
  // An already aborted signal: nothing is sent at all.
  await assert.rejects(client.historical(spec, { signal: controller.signal }), { code: 'aborted' });
  assert.equal(sent.length, 1);
});

test('a first request that gets no answer rejects at once, naming the URL and the likely causes', async () => {
  const { f, sent } = countingFetch();
  const client = new Client({ baseUrl: 'http://127.0.0.1:9', now, fetch: f, retryBaseDelayMs: 5000 });
  const postIds = Array.from({ length: 300 }, (_, i) => String(1855000000000000000n + BigInt(i)));
  let error;
  await assert.rejects(client.totals({ postIds, metrics: ['favorites'] }), (e) => {
    error = e;
    return e instanceof XengageError && e.code === 'network_error';
  });
  assert.equal(sent.length, 1, 'one attempt, no retries');
  assert.match(error.message, /http:\/\/127\.0\.0\.1:9\/insights\/engagement\/totals/);
  assert.match(error.message, /wrong baseUrl/);
  assert.match(error.message, /from origin/);
  assert.equal(error.result.counts.failed, 300);
});

test('the Client sends its headers and through its fetch', async () => {
  const a = ready.accounts[0];
  const seen = [];
  const client = new Client({
    baseUrl: ready.url,
    credentials: oauth1(),
    now,
    fetch: (request) => {
      seen.push(request.headers.get('x-csrf-token'));
      return fetch(request);
    },
    headers: new Map([['X-CSRF-Token', 'abc']]),
  });
  await client.totals({ postIds: a.post_ids.slice(0, 1), metrics: ['favorites'] });
  assert.deepEqual(seen, ['abc']);
  assert.throws(() => new Client({ fetch: 'no' }), { code: 'invalid_options' });
  assert.throws(() => new Client({ credentials: oauth1(), headers: { authorization: 'x' } }), { code: 'invalid_options' });
});

test('client options are checked, and secrets never appear in errors', () => {
  assert.throws(() => new Client({ credentials: { consumerKey: 'k' } }), { code: 'invalid_options', message: /consumerSecret/ });
  assert.throws(
    () => new Client({ credentials: { bearerToken: 'sekrit-123', userToken: 'sekrit-456' } }),
    (e) => e.code === 'invalid_options' && !e.message.includes('sekrit'),
  );
  assert.throws(() => new Client({ baseUrl: 'ftp://x' }), { code: 'invalid_options' });
  // A token given as the credentials themselves, or one no header can carry: named, not shown.
  for (const credentials of ['sekrit-789', { bearerToken: 'sekrit-é' }, { userToken: "sekrit\r" }]) {
    assert.throws(
      () => new Client({ credentials }),
      (e) => e.code === 'invalid_options' && !String(e).includes('sekrit') && /credentials/.test(e.message),
    );
  }
  // Values JSON cannot carry are errors, not silently absent; huge ones too, not a crash.
  assert.throws(() => new Client({ now: new Date('x') }), { code: 'invalid_options', message: /options\.now is an invalid Date/ });
  assert.throws(() => new Client({ timeoutMs: Infinity }), { code: 'invalid_options', message: /timeoutMs/ });
  assert.throws(() => new Client({ timeoutMs: 1e300 }), { code: 'invalid_options', message: /timeoutMs/ });
});

test('an invalid Date or a non-finite number is an error naming the field, never "not given"', () => {
  const hs = { endpoint: 'historical', postIds: ['1855000000000000000'], metrics: ['impressions'] };
  assert.throws(() => buildRequest({ ...hs, start: new Date('garbage'), end: new Date(now) }, { now }), {
    code: 'invalid_spec',
    message: /spec\.start is an invalid Date/,
  });
  const nan = checkRequest(hs, { now: Number.NaN });
  assert.equal(nan.ok, false);
  assert.match(nan.problems[0].rule, /options\.now is NaN/);
  assert.throws(() => parseResponse(hs, { status: 200, headers: {}, body: '{}' }, { now: new Date('x') }), {
    code: 'invalid_options',
  });
  assert.throws(() => parseResponse(hs, { status: 65736, headers: {}, body: '{}' }, { now }), { code: 'invalid_response' });
});

test('the 90-day limit of impressions applies on totals only unless asked for everywhere', () => {
  // 1855000000000000000 was created in 2024: far older than 90 days at `now`.
  const spec = { endpoint: '28hr', postIds: ['1855000000000000000'], metrics: ['impressions'] };
  const codes = (options) => buildRequest(spec, { now, ...options }).notices.map((n) => n.code);
  assert.ok(!codes({}).includes('post_too_old_for_metric'));
  assert.ok(codes({ ninetyDaysOnEveryEndpoint: true }).includes('post_too_old_for_metric'));
});

test('an end of new Date() is never after a now of Date.now() in the same millisecond', () => {
  const hs = { endpoint: 'historical', postIds: ['1855000000000000000'], metrics: ['impressions'] };
  const second = Date.parse('2026-11-22T12:00:00Z');
  for (let ms = 0; ms < 1000; ms++) {
    const t = second + ms;
    buildRequest({ ...hs, start: '2026-11-21T00:00:00Z', end: new Date(t) }, { now: t });
  }
});

test('times in milliseconds build what the same Dates build; a list item that is not a string is named', () => {
  const hs = { endpoint: 'historical', postIds: ['1855000000000000000'], metrics: ['impressions'] };
  const start = Date.parse('2026-11-15T10:24:00Z');
  const end = Date.parse('2026-11-20T08:37:00Z');
  const fromMillis = buildRequest({ ...hs, start, end }, { now });
  const fromDates = buildRequest({ ...hs, start: new Date(start), end: new Date(end) }, { now });
  assert.deepEqual(fromMillis, fromDates);
  assert.match(fromMillis.body, /"start":"2026-11-15T10:00:00Z"/);
  assert.throws(() => buildRequest({ ...hs, start: 1e20, end }, { now }), { code: 'invalid_spec', message: /spec\.start/ });
  // 1855000000000000001 as a number is already 1855000000000000000 in JS.
  assert.throws(() => buildRequest({ ...hs, postIds: ['1855000000000000000', 1855000000000000001] }, { now }), {
    code: 'invalid_spec',
    message: /spec\.postIds\[1\] is a number, not a string: post ids are strings/,
  });
  const notAString = checkRequest({ ...hs, metrics: [null] }, { now });
  assert.deepEqual(notAString.problems.map((p) => p.field), ['spec']);
  assert.match(notAString.problems[0].rule, /spec\.metrics\[0\]/);
});

test("'xengage/init' (the browser entry) loads nothing on import, throws not_initialized until init(), then works", () => {
  // A process of its own: in this one, importing 'xengage' already loaded the wasm.
  const script = `
    import { readFileSync } from 'node:fs';
    const m = await import('xengage/init');
    const spec = { endpoint: 'totals', postIds: ['1855000000000000000'], metrics: ['favorites'] };
    const codes = [];
    for (const call of [() => m.buildRequest(spec), () => m.checkRequest(spec), () => m.signRequest({}, {})]) {
      try { call(); } catch (e) { codes.push(e instanceof m.XengageError && e.code); }
    }
    const wasm = readFileSync(process.cwd() + '/node_modules/xengage/dist/xengage_wasm_bg.wasm');
    const [a, b] = [m.init(wasm), m.init(wasm)];
    await a;
    console.log(JSON.stringify({ codes, same: a === b, method: m.buildRequest(spec).method }));
  `;
  const here = new URL('.', import.meta.url);
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: here, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { codes: ['not_initialized', 'not_initialized', 'not_initialized'], same: true, method: 'POST' });
});

test('a collect whose answers could not fit in wasm memory is refused before anything is sent', async () => {
  // No server at this address: the refusal must come first.
  const client = new Client({ baseUrl: 'http://127.0.0.1:9', now });
  const postIds = Array.from({ length: 9000 }, (_, i) => String(2090000000000000000n + BigInt(i)));
  const hourly = { name: 'h', groupBy: ['tweet.id', 'engagement.type', 'engagement.day', 'engagement.hour'] };
  await assert.rejects(
    client.collect({ endpoint: 'historical', postIds, metrics: ['impressions'], groupings: [hourly], start: '2026-07-05', end: '2026-11-22' }),
    (e) => e instanceof XengageError && e.code === 'job_too_large' && /split it/.test(e.message),
  );
});

test('the package carries its licenses and the notices of every crate in its wasm', async () => {
  const { readFileSync } = await import('node:fs');
  const dir = new URL('./node_modules/xengage/', import.meta.url);
  for (const f of ['LICENSE-MIT', 'LICENSE-APACHE']) {
    assert.ok(readFileSync(new URL(f, dir), 'utf8').length > 0, f);
  }
  const notices = readFileSync(new URL('dist/THIRD-PARTY-NOTICES.txt', dir), 'utf8');
  // Crates the wasm is built from, each listed with its version and license, and the MIT text.
  for (const name of ['serde_json', 'http', 'time', 'hmac', 'sha1', 'wasm-bindgen', 'gloo-net']) {
    assert.match(notices, new RegExp(`^- ${name} \\d+\\.\\d+\\.\\d+ \\(`, 'm'), name);
  }
  assert.match(notices, /Permission is hereby granted, free of charge/);
  // Procedural macros run at build time and are not in the wasm.
  assert.doesNotMatch(notices, /^- serde_derive /m);
});
