export { CHROMIUM_AVAILABLE, CHROMIUM_PATH, launchChromium } from './chromium.js';
export { RedisCluster } from './cluster.js';
export { approvalGate, type BlockWhenOptions, blockWhen, policyGate } from './gates.js';
export {
  connectTestPostgres,
  dropSchema,
  POSTGRES_REQUIRED,
  POSTGRES_URL,
  TcpProxy,
  testSchema,
} from './postgres.js';
export { childPids, processAlive, processTree } from './processes.js';
export { StallingProxy } from './proxy.js';
export {
  canStartRedisServer,
  connectTestRedis,
  DedicatedRedis,
  deletePrefix,
  freePort,
  REDIS_REQUIRED,
  REDIS_SERVER_BIN,
  REDIS_URL,
  type TestRedis,
  testPrefix,
  useTestRedis,
} from './redis.js';
