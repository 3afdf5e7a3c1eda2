// 'xengage/init': kept for 0.1 users; the same as the browser entry, which now awaits nothing on
// import. Call `await init()` before checking, building or parsing (or `init(wasm)` with the
// full module's location); every such function throws XengageError 'not_initialized' until then.
export * from './web.js';
