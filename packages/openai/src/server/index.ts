export * from './scripted-model.js';
export * from './types.js';
