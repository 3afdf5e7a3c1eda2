// The example: collect a historical range with the wasm package's Client through a base URL
// that holds no secrets (the CLI's proxy, which signs and forwards to the API or the emulator),
// and chart hourly impressions straight from the typed columns.
// Query parameters: api (the proxy's URL), post (post id), start, end.
import { Client, XengageError } from 'xengage';

const q = new URLSearchParams(location.search);
const post = q.get('post') ?? '1855000000000000000';
const $ = (id) => document.getElementById(id);

// One point per hour of the post's impressions, from the hourly grouping's columns (no object
// per count). Each grouping is a table of its own: its rows never count an hour twice.
function hourlySeries(result) {
  const c = result.groupings.hourly.columns;
  const p = c.postIds.indexOf(post);
  const m = c.metrics.indexOf('impressions');
  const hour = c.bucketKinds.indexOf('hour');
  const series = [];
  for (let i = 0; i < c.length; i++) {
    if (c.post[i] === p && c.metric[i] === m && c.bucket[i] === hour) {
      series.push({ at: new Date(c.time[i]).toISOString().slice(0, 19) + 'Z', value: c.value[i] });
    }
  }
  return series.sort((a, b) => (a.at < b.at ? -1 : 1));
}

function draw(series) {
  const svg = $('chart');
  const ns = 'http://www.w3.org/2000/svg';
  const w = Number(svg.getAttribute('width'));
  const h = Number(svg.getAttribute('height')) - 20;
  const max = Math.max(1, ...series.map((p) => p.value));
  const bw = w / Math.max(1, series.length);
  series.forEach((p, i) => {
    const r = document.createElementNS(ns, 'rect');
    const bh = (p.value / max) * (h - 10);
    Object.entries({ x: i * bw + 1, y: h - bh, width: Math.max(1, bw - 2), height: bh, class: 'bar' })
      .forEach(([k, v]) => r.setAttribute(k, v));
    r.dataset.value = p.value;
    svg.append(r);
    const t = document.createElementNS(ns, 'text');
    Object.entries({ x: i * bw + bw / 2, y: h + 14, 'text-anchor': 'middle', class: 'axis' })
      .forEach(([k, v]) => t.setAttribute(k, v));
    t.textContent = p.at.slice(11, 13);
    svg.append(t);
  });
  const body = $('rows').tBodies[0];
  for (const p of series) body.insertAdjacentHTML('beforeend', `<tr><td>${p.at}</td><td>${p.value}</td></tr>`);
  $('total').textContent = String(series.reduce((s, p) => s + p.value, 0));
}

async function main() {
  // No credentials here: the proxy at `api` holds them and signs every request.
  const client = new Client({ baseUrl: q.get('api') ?? location.origin });
  let result;
  try {
    result = await client.historical({
      postIds: [post],
      metrics: ['impressions'],
      groupings: [{ name: 'hourly', groupBy: ['tweet.id', 'engagement.type', 'engagement.day', 'engagement.hour'] }],
      start: q.get('start') ?? new Date(Date.now() - 24 * 3600e3),
      end: q.get('end') ?? new Date(),
    }, {
      onProgress: (e) => ($('progress').textContent = `${e.kind}: ${e.progress.requestsDone}/${e.progress.requestsPlanned}`),
    });
  } catch (e) {
    if (!(e instanceof XengageError)) throw e;
    // Nothing came back (CORS, a wrong URL, every request failed) or the request is invalid:
    // the error says which; e.result holds the ledger when the job ran.
    $('status').textContent = e.code === 'invalid_request' ? `invalid request (${e.code})` : `failed (${e.code}): ${e.message}`;
    for (const p of e.problems) $('problems').insertAdjacentHTML('beforeend', `<li>${p.field}: ${p.rule}</li>`);
    return;
  }
  const entry = result.ledger.find((x) => x.postId === post);
  $('ledger').textContent = `${post}: ${entry?.status}${entry?.failures.length ? ` (${entry.failures.join('; ')})` : ''}`;
  // The proxy exposes the quota headers to the page, so the Client paces itself by them.
  const quota = result.rateLimit;
  $('quota').textContent = quota ? `${quota.remaining} of ${quota.limit} requests left this minute` : 'not reported';
  const series = hourlySeries(result);
  draw(series);
  $('status').textContent = `ok: ${series.length} hours`;
}

main().catch((e) => {
  $('status').textContent = `failed: ${e}`;
});
