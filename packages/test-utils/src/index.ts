export { type BlockWhenOptions, blockWhen } from './gates.js';
export {
  connectTestRedis,
  DedicatedRedis,
  deletePrefix,
  freePort,
  REDIS_REQUIRED,
  REDIS_URL,
  testPrefix,
} from './redis.js';
