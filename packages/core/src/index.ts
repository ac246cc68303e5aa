export * from './approvals.js';
export * from './digest.js';
export * from './events.js';
export * from './reasons.js';
export * from './runner.js';
export * from './tool.js';
export * from './types.js';
export * from './validation.js';
