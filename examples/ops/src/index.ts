export * from './ops-desk.js';
export * from './policy.js';
export * from './report.js';
export * from './scripted-model.js';
