// Node: nothing is read on import. The first check, build or parse reads and compiles the lean
// wasm module next to this file, synchronously; the first Client or signRequest the full one.
import { readFileSync } from 'node:fs';
import * as leanGlue from './dist/xengage_lean.js';
import * as fullGlue from './dist/xengage_wasm.js';
import { setLoader } from './api.js';

function loadSync(glue, file) {
  glue.initSync({ module: readFileSync(new URL(file, import.meta.url)) });
  return glue;
}

async function load(glue, source, file) {
  if (source == null) return loadSync(glue, file);
  await glue.default({ module_or_path: source });
  return glue;
}

setLoader({
  leanSync: () => loadSync(leanGlue, './dist/xengage_lean_bg.wasm'),
  fullSync: () => loadSync(fullGlue, './dist/xengage_wasm_bg.wasm'),
  lean: (source) => load(leanGlue, source, './dist/xengage_lean_bg.wasm'),
  full: (source) => load(fullGlue, source, './dist/xengage_wasm_bg.wasm'),
});

export { init, buildRequest, checkRequest, parseResponse, signRequest, toRows, Client, XengageError } from './api.js';
