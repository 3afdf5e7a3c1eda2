// Node: reads and compiles the wasm next to this file synchronously, on import.
import { readFileSync } from 'node:fs';
import { initSync } from './dist/xengage_wasm.js';
import { markReady } from './api.js';

initSync({ module: readFileSync(new URL('./dist/xengage_wasm_bg.wasm', import.meta.url)) });
markReady();

export { buildRequest, checkRequest, parseResponse, signRequest, toRows, Client, XengageError } from './api.js';
