// Browsers, workers and bundlers: nothing is fetched on import. `init()` (or a Client's first
// job) fetches and compiles a wasm module next to this file, once: the lean one for checking,
// building and parsing, the full one for Client and signRequest.
import { setLoader } from './api.js';

async function load(glue, source, file) {
  const m = await glue;
  await m.default({ module_or_path: source ?? new URL(file, import.meta.url) });
  return m;
}

setLoader({
  lean: (source) => load(import('./dist/xengage_lean.js'), source, './dist/xengage_lean_bg.wasm'),
  full: (source) => load(import('./dist/xengage_wasm.js'), source, './dist/xengage_wasm_bg.wasm'),
});

export { init, buildRequest, checkRequest, parseResponse, signRequest, toRows, Client, XengageError } from './api.js';
