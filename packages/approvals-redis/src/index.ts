export { RedisApprovalStore, type RedisApprovalStoreOptions } from './redis-approval-store.js';
