// Browsers, workers and bundlers: fetches and compiles the wasm next to this file once, on import
// (a top-level await). Where a module may not await on import, use 'xengage/init' (init.js).
import init from './dist/xengage_wasm.js';
import { markReady } from './api.js';

await init({ module_or_path: new URL('./dist/xengage_wasm_bg.wasm', import.meta.url) });
markReady();

export { buildRequest, checkRequest, parseResponse, signRequest, toRows, Client, XengageError } from './api.js';
