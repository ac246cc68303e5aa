export {
  type ApprovalRedisClient,
  type ApprovalRedisPipeline,
  RedisApprovalStore,
  type RedisApprovalStoreOptions,
} from './redis-approval-store.js';
