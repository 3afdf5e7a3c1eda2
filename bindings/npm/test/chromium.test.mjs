// The example page in a real headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core): the page loads the installed package's browser build, builds a request,
// fetches it cross-origin from an API stand-in serving a committed fixture, and charts it. The
// test checks the numbers shown and saves a screenshot to test-results/example.png.
// XENGAGE_CONSUMER names the consumer project where run.mjs installed the packed tarball.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const pkg = resolve(fileURLToPath(import.meta.url), '../..');
const installed = process.env.XENGAGE_CONSUMER
  ? join(process.env.XENGAGE_CONSUMER, 'node_modules/xengage')
  : pkg;
const fixture = JSON.parse(readFileSync(join(pkg, 'test/fixtures/hourly.json'), 'utf8'));
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
const seen = [];

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
let api;
let context;
let profile;

before(async () => {
  site = await listen((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname.startsWith('/xengage/')) return serveFile(res, installed, url.pathname.slice(9));
    serveFile(res, join(pkg, 'example'), url.pathname === '/' ? 'index.html' : url.pathname);
  });
  api = await listen((req, res) => {
    const cors = {
      'access-control-allow-origin': origin(site),
      'access-control-allow-headers': 'content-type, accept-encoding',
      'access-control-allow-methods': 'GET, POST',
    };
    if (req.method === 'OPTIONS') return res.writeHead(204, cors).end();
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method, path: req.url, body: JSON.parse(body || 'null') });
      res.writeHead(200, { ...cors, 'content-type': 'application/json' }).end(JSON.stringify(fixture));
    });
  });
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
  api?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test('the example page charts the hourly impressions it fetched', async () => {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const q = new URLSearchParams({
    api: origin(api),
    start: '2026-11-20T00:00:00Z',
    end: '2026-11-20T12:00:00Z',
    now: '2026-11-22T12:00:00Z',
  });
  await page.goto(`${origin(site)}/?${q}`);
  await page.waitForFunction(() => document.getElementById('status').textContent !== 'loading');
  assert.deepEqual(errors, []);
  assert.equal(await page.textContent('#status'), 'ok: 12 hours');

  const hours = fixture.hourly['1855000000000000000'].impressions['2026-11-20'];
  const expected = Object.keys(hours).sort().map((h) => Number(hours[h]));
  const shown = await page.$$eval('#rows tbody tr td:nth-child(2)', (tds) => tds.map((td) => Number(td.textContent)));
  assert.deepEqual(shown, expected);
  const bars = await page.$$eval('#chart rect', (rs) => rs.map((r) => Number(r.dataset.value)));
  assert.deepEqual(bars, expected);
  assert.equal(Number(await page.textContent('#total')), expected.reduce((a, b) => a + b, 0));

  assert.equal(seen.length, 1);
  assert.equal(seen[0].method, 'POST');
  assert.equal(seen[0].path, '/insights/engagement/historical');
  assert.deepEqual(seen[0].body.tweet_ids, ['1855000000000000000']);
  assert.equal(seen[0].body.start, '2026-11-20T00:00:00Z');

  mkdirSync(join(pkg, 'test-results'), { recursive: true });
  await page.screenshot({ path: join(pkg, 'test-results/example.png'), fullPage: true });
});

test('the example page lists every problem of an invalid request', async () => {
  const page = await context.newPage();
  await page.goto(`${origin(site)}/?${new URLSearchParams({ api: origin(api), post: '12x', now: '2026-11-22T12:00:00Z' })}`);
  await page.waitForFunction(() => document.getElementById('status').textContent !== 'loading');
  assert.equal(await page.textContent('#status'), 'invalid request (invalid_request)');
  const problems = await page.$$eval('#problems li', (lis) => lis.map((li) => li.textContent));
  assert.ok(problems.some((p) => p.startsWith('tweet_ids[0]')), problems.join('\n'));
});
