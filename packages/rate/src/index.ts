export * from './limits.js';
export * from './messages.js';
export * from './rate-gate.js';
export * from './reasons.js';
export * from './store.js';
export * from './throttle-gate.js';
