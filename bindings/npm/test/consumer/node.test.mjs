// Node's test runner over the package installed from its packed tarball (see ../run.mjs).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildRequest, checkRequest, XengageError } from 'xengage';

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
