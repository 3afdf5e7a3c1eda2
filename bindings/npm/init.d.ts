// Types of 'xengage/init': every export of 'xengage' (init included).
export * from './index.js';
