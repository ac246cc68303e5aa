export * from './client/client.js';
export * from './client/errors.js';
export * from './client/retry.js';
export * from './client/types.js';
export * from './gate/bighub-gate.js';
export * from './gate/mapping.js';
export * from './gate/telemetry.js';
