// The example: build a historical request with the wasm package, fetch it through a base URL
// that holds no secrets (the CLI's proxy, or the emulator), and chart hourly impressions.
// Query parameters: api (base URL), post (post id), start, end, now.
import { buildRequest, XengageError } from 'xengage';

const q = new URLSearchParams(location.search);
const post = q.get('post') ?? '1855000000000000000';
const $ = (id) => document.getElementById(id);

function hourlySeries(answer, grouping) {
  // { grouping: { post: { metric: { day: { hour: count } } } } }, counts as strings or numbers.
  const series = [];
  const byMetric = answer[grouping]?.[post]?.impressions ?? {};
  for (const day of Object.keys(byMetric).sort()) {
    for (const hour of Object.keys(byMetric[day]).sort()) {
      series.push({ at: `${day}T${hour}:00Z`, value: Number(byMetric[day][hour]) });
    }
  }
  return series;
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
  const grouping = 'hourly';
  let request;
  try {
    request = buildRequest(
      {
        endpoint: 'historical',
        postIds: [post],
        metrics: ['impressions'],
        groupings: [{ name: grouping, groupBy: ['tweet.id', 'engagement.type', 'engagement.day', 'engagement.hour'] }],
        start: q.get('start') ?? undefined,
        end: q.get('end') ?? undefined,
      },
      { baseUrl: q.get('api') ?? location.origin, now: q.get('now') ?? new Date() },
    );
  } catch (e) {
    if (!(e instanceof XengageError)) throw e;
    $('status').textContent = `invalid request (${e.code})`;
    for (const p of e.problems) $('problems').insertAdjacentHTML('beforeend', `<li>${p.field}: ${p.rule}</li>`);
    return;
  }
  $('request').textContent = `${request.method} ${request.url}`;
  const res = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body });
  if (!res.ok) {
    $('status').textContent = `HTTP ${res.status}`;
    return;
  }
  const series = hourlySeries(await res.json(), grouping);
  draw(series);
  $('status').textContent = `ok: ${series.length} hours`;
}

main().catch((e) => {
  $('status').textContent = `failed: ${e}`;
});
