// Browsers, workers and bundlers: fetches and compiles the wasm next to this file once, on import.
import init from './dist/xengage_wasm.js';

await init({ module_or_path: new URL('./dist/xengage_wasm_bg.wasm', import.meta.url) });

export { buildRequest, checkRequest, parseResponse, toRows, Client, XengageError } from './api.js';
