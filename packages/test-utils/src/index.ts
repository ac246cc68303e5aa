export { CHROMIUM_AVAILABLE, CHROMIUM_PATH, launchChromium } from './chromium.js';
export { type BlockWhenOptions, blockWhen } from './gates.js';
export { childPids, processAlive, processTree } from './processes.js';
export {
  connectTestRedis,
  DedicatedRedis,
  deletePrefix,
  freePort,
  REDIS_REQUIRED,
  REDIS_URL,
  testPrefix,
} from './redis.js';
