export * from './rules.js';
export * from './server.js';
