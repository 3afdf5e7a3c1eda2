// `cargo xtask bench wasm`: for the same ~300k-count hourly answer as `cargo xtask bench parse`
// (written by that example with --write), times in one run
//   - parseResponse with the body as a string (as `fetch`'s text() gives it),
//   - JSON.parse plus a hand-written JS walk to the same columns, from the same string (the
//     baseline: the ratio of these two is the one measured against the target),
//   - parseResponse with the body as bytes (as arrayBuffer() gives it), against
//   - TextDecoder plus the same JSON.parse and walk (the baseline given the same bytes),
// and prints the medians, the ratios, and the size of each module raw and gzipped. Each is run
// a few times before it is timed (the first calls of a wasm module run its baseline tier, the
// first of a JS function its interpreter), so none pays for its warm-up in the median.
// Usage: node bench/parse.mjs DIR [RUNS]   (DIR holds hourly.json and spec.json)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { parseResponse } from '../node.js';

const dir = process.argv[2];
const runs = Number(process.argv[3] ?? 15);
const bytes = new Uint8Array(readFileSync(join(dir, 'hourly.json')));
const text = new TextDecoder().decode(bytes);
const spec = JSON.parse(readFileSync(join(dir, 'spec.json'), 'utf8'));
const options = { now: '2026-11-22T12:00:00Z' };

// The baseline: what a careful JS developer writes without the SDK.
function walk(body) {
  const answer = JSON.parse(body);
  const grouping = answer.hourly;
  let n = 0;
  for (const id in grouping) for (const m in grouping[id]) for (const d in grouping[id][m]) n += Object.keys(grouping[id][m][d]).length;
  const postIds = [];
  const metrics = [];
  const post = new Int32Array(n);
  const metric = new Int32Array(n);
  const time = new Float64Array(n);
  const value = new Float64Array(n);
  let i = 0;
  for (const id in grouping) {
    const p = postIds.push(id) - 1;
    for (const m in grouping[id]) {
      let mi = metrics.indexOf(m);
      if (mi < 0) mi = metrics.push(m) - 1;
      const days = grouping[id][m];
      for (const d in days) {
        const day = Date.parse(`${d}T00:00:00Z`);
        const hours = days[d];
        for (const h in hours) {
          const v = Number(hours[h]);
          if (!Number.isInteger(v) || v < 0) throw new Error(`bad count at ${id}.${m}.${d}.${h}`);
          post[i] = p;
          metric[i] = mi;
          time[i] = day + Number(h) * 3600e3;
          value[i] = v;
          i++;
        }
      }
    }
  }
  return { length: n, postIds, metrics, post, metric, time, value };
}

const WARMUP = 10;

function median(f) {
  const times = [];
  let out;
  for (let r = 0; r < WARMUP; r++) f();
  for (let r = 0; r < runs; r++) {
    const t = process.hrtime.bigint();
    out = f();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], out };
}

const decoder = new TextDecoder();
const oursText = median(() => parseResponse(spec, { status: 200, body: text }, options).groupings.hourly.columns);
const base = median(() => walk(text));
const ours = median(() => parseResponse(spec, { status: 200, body: bytes }, options).groupings.hourly.columns);
const baseBytes = median(() => walk(decoder.decode(bytes)));
const sum = (v) => v.reduce((a, b) => a + b, 0);
for (const o of [oursText, ours, baseBytes]) {
  if (o.out.length !== base.out.length || sum(o.out.value) !== sum(base.out.value)) {
    throw new Error(`different rows: ${o.out.length} vs ${base.out.length}`);
  }
}
const mb = bytes.length / 1e6;
const ratio = oursText.ms / base.ms;
console.log(`answer: ${mb.toFixed(1)} MB, ${ours.out.length} counts, median of ${runs} runs after ${WARMUP} (Node ${process.version})`);
console.log(`parseResponse(string) -> columns:         ${oursText.ms.toFixed(1)} ms (${(mb / (oursText.ms / 1000)).toFixed(0)} MB/s)`);
console.log(`JSON.parse + JS walk -> columns:          ${base.ms.toFixed(1)} ms (baseline)`);
console.log(`parseResponse(bytes) -> columns:          ${ours.ms.toFixed(1)} ms`);
console.log(`TextDecoder + JSON.parse + JS walk:       ${baseBytes.ms.toFixed(1)} ms (baseline from bytes)`);
console.log(`ratio parseResponse(string) / baseline: ${ratio.toFixed(2)} (target <= 0.50, 2x faster: ${ratio <= 0.5 ? 'met' : 'MISSED'})`);
console.log(`ratio parseResponse(bytes) / baseline from bytes: ${(ours.ms / baseBytes.ms).toFixed(2)}`);

const pkg = fileURLToPath(new URL('..', import.meta.url));
// The lean module (check, build, parse) and the full one (with Client), and the targets.
for (const [name, targetKb] of [['xengage_lean', 100], ['xengage_wasm', 200]]) {
  const wasm = readFileSync(join(pkg, `dist/${name}_bg.wasm`));
  const gz = gzipSync(wasm, { level: 9 }).length;
  console.log(`${name}_bg.wasm: ${(wasm.length / 1000).toFixed(0)} KB raw, ${(gz / 1000).toFixed(0)} KB gzipped (target <= ${targetKb} KB gzipped: ${gz <= targetKb * 1000 ? 'met' : 'MISSED'})`);
}
