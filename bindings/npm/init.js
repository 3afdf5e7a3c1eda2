// 'xengage/init': the same API without a top-level await, for service workers, classic
// (iife) workers and bundlers whose target has no top-level await. Nothing is loaded on import;
// `await init()` loads the wasm once (later calls return the same promise) and every function
// throws XengageError 'not_initialized' until it has.
import wasmInit from './dist/xengage_wasm.js';
import { markReady } from './api.js';

let loading;

/**
 * Loads the wasm: from next to this file by default, or from `wasm` (a URL, a Response, the
 * bytes, or a compiled WebAssembly.Module), as where the page serves it.
 */
export function init(wasm) {
  loading ??= wasmInit({
    module_or_path: wasm ?? new URL('./dist/xengage_wasm_bg.wasm', import.meta.url),
  }).then(() => {
    markReady();
  });
  return loading;
}

export { buildRequest, checkRequest, parseResponse, signRequest, toRows, Client, XengageError } from './api.js';
