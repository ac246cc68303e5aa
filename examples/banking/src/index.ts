export * from './account.js';
export * from './data.js';
export * from './demo.js';
export * from './policy.js';
export * from './replay-model.js';
export * from './report.js';
export * from './score.js';
export * from './tools.js';
