export { type RateCost, type RateKeyField, type RateLimit, rateKey } from './limits.js';
export {
  type LimitState,
  RateGate,
  type RateGateOptions,
  type RateToolConfig,
  type RateToolOptions,
} from './rate-gate.js';
export { RateReason, type RateReasonCode } from './reasons.js';
export {
  DEFAULT_RATE_PREFIX,
  type LimiterSpec,
  MemoryRateStore,
  type MemoryRateStoreOptions,
  type RateRedisClient,
  type RateRedisTransaction,
  type RateStore,
  RedisRateStore,
  type RedisRateStoreOptions,
} from './store.js';
export { ThrottleGate, type ThrottleGateOptions, type ThrottleToolOptions } from './throttle-gate.js';
