// Types of 'xengage/init': every export of 'xengage', and `init`.
export * from './index.js';

/**
 * Loads the wasm once (later calls return the same promise); the other functions throw
 * XengageError 'not_initialized' until it resolves. By default the wasm is fetched from next to
 * this module; give a URL, a Response, its bytes or a compiled module to load it from elsewhere.
 */
export function init(wasm?: URL | string | Response | BufferSource | WebAssembly.Module): Promise<void>;
