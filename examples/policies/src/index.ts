export * from './agentdojo.js';
export * from './banking.js';
export * from './generic.js';
export * from './hosts.js';
export * from './slack.js';
export * from './suites.js';
export * from './workspace.js';
