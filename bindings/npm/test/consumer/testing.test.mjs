// 'xengage/testing' as a user's unit tests meet it: sample answers parse with the main entry,
// are a function of the seed, and serve a mocked fetch.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseResponse, XengageError } from 'xengage';
import { sampleAnswer, XengageError as TestingError } from 'xengage/testing';

const now = '2026-11-22T12:00:00Z';
const spec = {
  endpoint: '28hr',
  postIds: ['1990000000000000001', '1990000000000000002'],
  metrics: ['impressions', 'favorites'],
  groupings: [{ name: 'hourly', groupBy: ['tweet.id', 'engagement.type', 'engagement.day', 'engagement.hour'] }],
};

/**
 * For 40 seeds: a refusal throws XengageError in parseResponse; a 200 (checked by `check` too)
 * parses with every post or media asked in the ledger with a state. Most seeds serve.
 */
function everyPostAccounted(spec, check = () => {}) {
  let served = 0;
  for (let seed = 0; seed < 40; seed++) {
    const answer = sampleAnswer(spec, seed, { now });
    if (answer.status !== 200) {
      assert.throws(() => parseResponse(spec, answer, { now }), XengageError);
      continue;
    }
    served++;
    check(answer, seed);
    const outcome = parseResponse(spec, answer, { now });
    const byKey = Object.fromEntries(outcome.ledger.map((e) => [e.mediaKey ?? e.postId, e.status]));
    for (const k of spec.mediaKeys ?? spec.postIds) {
      assert.ok(byKey[k] && byKey[k] !== 'pending', `seed ${seed}: ${k} is ${byKey[k]}`);
    }
  }
  assert.ok(served > 20, `${spec.endpoint}: ${served} of 40 seeds served`);
}

test('sampleAnswer gives the answer the API would send, the same for the same seed', () => {
  const a = sampleAnswer(spec, 7, { now });
  assert.deepEqual(sampleAnswer(spec, 7, { now }), a);
  assert.equal(typeof a.status, 'number');
  assert.equal(a.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(typeof a.body, 'string');
  JSON.parse(a.body);
  everyPostAccounted(spec);
});

test('sampleAnswer serves a mocked fetch', async () => {
  const answer = sampleAnswer({ endpoint: 'insights-28hr', postIds: ['1990000000000000001'], metrics: ['Impressions'], granularity: 'Hourly' }, 3, { now });
  const fetch = async () => new Response(answer.body, { status: answer.status, headers: answer.headers });
  const r = await fetch('https://api.x.com/2/insights/28hr');
  assert.equal(r.status, answer.status);
  assert.equal(await r.text(), answer.body);
});

test('sampleAnswer answers post and media analytics in their shape, partial errors included', () => {
  const window = { start: '2026-11-20T00:00:00Z', end: '2026-11-21T00:00:00Z' };
  const posts = { endpoint: 'analytics', postIds: ['1990000000000000001', '1990000000000000002'], metrics: ['impressions', 'likes'], granularity: 'daily', ...window };
  const media = { endpoint: 'media-analytics', mediaKeys: ['3_1990000000000000001', '7_1990000000000000002'], metrics: ['video_views'], ...window };
  for (const spec of [posts, media]) {
    everyPostAccounted(spec, (answer, seed) => {
      const body = JSON.parse(answer.body);
      assert.ok(Array.isArray(body.data), `seed ${seed}: ${answer.body}`);
      for (const e of body.errors ?? []) assert.match(e.type, /\/2\/problems\//);
    });
  }
});

test('sampleAnswer refuses an invalid spec and a bad seed with XengageError', () => {
  assert.throws(() => sampleAnswer({ endpoint: 'totals' }, 1, { now }), (e) => e instanceof XengageError && e.code === 'invalid_request');
  assert.throws(() => sampleAnswer(spec, -1, { now }), (e) => e instanceof TestingError && e.code === 'invalid_options');
  assert.throws(() => sampleAnswer(spec, 1.5, { now }), XengageError);
});
