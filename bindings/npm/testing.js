// 'xengage/testing': sampleAnswer(spec, seed, options?) returns the answer the API would send to
// a request, { status, headers, body }, so that a page's or a server's own tests (vitest, jest,
// node:test) run without an emulator. Its wasm is a build of its own (dist/testing/), loaded on
// import, so the main entry's size is unchanged by it. Node and browsers.
import init, { sampleAnswer as sampleAnswerRaw } from './dist/testing/xengage_wasm.js';
import { XengageError } from './errors.js';

const wasm = new URL('./dist/testing/xengage_wasm_bg.wasm', import.meta.url);
if (typeof process !== 'undefined' && process.versions?.node) {
  // Node's fetch does not read file: URLs.
  const { readFile } = await import('node:fs/promises');
  await init({ module_or_path: await readFile(wasm) });
} else {
  await init({ module_or_path: wasm });
}

/** A time of a spec as the wasm reads it: milliseconds become an RFC 3339 string. */
const time = (t) => (typeof t === 'number' ? new Date(t).toISOString() : t);

/**
 * The answer the API would send to the request `spec` stands for (validated as buildRequest
 * validates it, at `options.now` or now): `{ status, headers, body }`, the body as JSON text.
 * The same spec, seed and `now` give the same answer. Most seeds give a 200 (posts served,
 * unavailable or refused metrics for their age, counts as strings or numbers, quota headers;
 * on post and media analytics null values, media values as strings, partial errors); some a
 * 400, 403, 429 or 503, as the API can.
 */
export function sampleAnswer(spec, seed, options) {
  if (typeof spec !== 'object' || spec === null) {
    throw new XengageError('invalid_spec', 'spec must be an object', [], null);
  }
  const checked = { ...spec };
  for (const k of ['start', 'end']) {
    if (checked[k] !== undefined) checked[k] = time(checked[k]);
  }
  return sampleAnswerRaw(checked, seed, options);
}

export { XengageError };
