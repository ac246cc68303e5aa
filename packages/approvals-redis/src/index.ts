export * from './redis-approval-store.js';
