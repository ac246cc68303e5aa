export * from './amount.js';
export * from './gate.js';
export * from './memory-store.js';
export * from './options.js';
export * from './redis-store.js';
export * from './store.js';
