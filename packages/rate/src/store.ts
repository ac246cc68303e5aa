import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';

/** What a store needs to build the limiter of one limit. */
export interface LimiterSpec {
  /** `<gate>:<limit>` for a gate's limits, `<gate>@<tool>:<limit>` for a tool's own. */
  namespace: string;
  /** Points per window. */
  points: number;
  /** Window length, ms. */
  durationMs: number;
  /** Penalty block after a refusal, ms; 0 for none. */
  blockDurationMs: number;
}

/**
 * Where rate counters live. Like rate-limiter-flexible itself — one interface, one class per backend —
 * a store builds a rate-limiter-flexible limiter per limit; {@link MemoryRateStore} and
 * {@link RedisRateStore} are the two shipped. Another backend (Valkey, Postgres…) is a class that returns
 * that backend's rate-limiter-flexible limiter.
 */
export interface RateStore {
  /** Short name for decisions (`memory`, `redis`). */
  readonly kind: string;
  /**
   * Builds the limiter for one limit. Throws `TypeError` when the backend cannot represent the spec
   * (e.g. sub-second windows on Redis). Its key for `key` must be `<prefix><namespace>:<key>`.
   */
  limiter(spec: LimiterSpec): RateLimiterAbstract;
  /**
   * An in-process limiter that stands in for `limiter(spec)` while the store is unavailable, or
   * undefined for none (rate-limiter-flexible's insurance limiter idea).
   */
  insurance?(spec: LimiterSpec): RateLimiterAbstract | undefined;
}

/** Key prefix both stores use by default. */
export const DEFAULT_RATE_PREFIX = 'tollgate:rate:';

/** Options for {@link MemoryRateStore}. */
export interface MemoryRateStoreOptions {
  /** Prefix of every counter key (default `tollgate:rate:`); only visible in `dump()`s. */
  prefix?: string;
}

/**
 * Counters in this process (rate-limiter-flexible `RateLimiterMemory`): exact within one process, not
 * shared between processes. Expired windows are deleted by timer, so idle keys take no memory.
 */
export class MemoryRateStore implements RateStore {
  readonly kind = 'memory';
  private readonly prefix: string;

  constructor(options: MemoryRateStoreOptions = {}) {
    this.prefix = options.prefix ?? DEFAULT_RATE_PREFIX;
  }

  limiter(spec: LimiterSpec): RateLimiterAbstract {
    return memoryLimiter(`${this.prefix}${spec.namespace}`, spec.points, spec);
  }
}

/**
 * The part of a Redis transaction (`MULTI`) rate-limiter-flexible builds to read a counter and to start a
 * penalty block: each command returns the chain.
 */
export interface RateRedisTransaction {
  get(key: string): RateRedisTransaction;
  pttl(key: string): RateRedisTransaction;
  set(key: string, value: number, expiry: 'EX', seconds: number): RateRedisTransaction;
  exec(): Promise<unknown>;
}

/**
 * The Redis client {@link RedisRateStore} needs, typed by shape so that this package's types never require
 * ioredis: an ioredis 5 or 6 `Redis` (or `Cluster`) fits as it is. rate-limiter-flexible defines its Lua
 * script on it (`defineCommand`) and calls it, reads counters in a `MULTI`, and reads `status` to refuse at once while the
 * client is not `'ready'`.
 */
export interface RateRedisClient {
  /** The connection state (ioredis: `'ready'` once connected). */
  readonly status: string;
  /**
   * The current connection (ioredis: its socket, replaced on each reconnect). A consume that timed out is refunded
   * only while this is still the connection it was sent on, since only then does the refund reach Redis after it.
   */
  readonly stream?: unknown;
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number }): void;
  multi(): RateRedisTransaction;
}

/** Options for {@link RedisRateStore}. */
export interface RedisRateStoreOptions {
  /**
   * An ioredis client ({@link RateRedisClient}). Make it fail fast while Redis is down, or calls wait for it:
   * `{ enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 500 }` (see docs/rate.md).
   */
  redis: RateRedisClient;
  /** Prefix of every key (default `tollgate:rate:`); keys read `<prefix><gate>:<limit>:<key>`. */
  prefix?: string;
  /**
   * Keep limiting in process memory while Redis is unavailable. `true` gives each process the full limit;
   * `{ processes: n }` gives each `floor(points / n)` (at least 1), so n processes together stay near it.
   * Default: no insurance, and the gate's `failMode` decides.
   */
  insurance?: boolean | { processes: number };
}

/**
 * Counters in Redis (rate-limiter-flexible `RateLimiterRedis`): one atomic Lua `SET NX EX` + `INCRBY`
 * per consume, so any number of processes share a limit exactly. Windows are whole seconds (Redis `EX`).
 */
export class RedisRateStore implements RateStore {
  readonly kind = 'redis';
  private readonly redis: RateRedisClient;
  private readonly prefix: string;
  private readonly processes: number | undefined;

  /** @throws {TypeError} without `redis`, or for an `insurance.processes` that is not a whole number ≥ 1 */
  constructor(options: RedisRateStoreOptions) {
    if (!options?.redis) throw new TypeError('RedisRateStore needs an ioredis client as `redis`');
    const insurance = options.insurance;
    if (typeof insurance === 'object' && !(Number.isInteger(insurance.processes) && insurance.processes >= 1)) {
      throw new TypeError('RedisRateStore: insurance.processes must be a whole number ≥ 1');
    }
    this.redis = options.redis;
    this.prefix = options.prefix ?? DEFAULT_RATE_PREFIX;
    this.processes = insurance === true ? 1 : insurance ? insurance.processes : undefined;
  }

  limiter(spec: LimiterSpec): RateLimiterAbstract {
    for (const [field, ms] of [
      ['durationMs', spec.durationMs],
      ['blockDurationMs', spec.blockDurationMs],
    ] as const) {
      if (ms % 1000 !== 0) {
        throw new TypeError(`${spec.namespace}: ${field} ${ms} is not whole seconds, which Redis windows need`);
      }
    }
    return new RecoveringRateLimiterRedis({
      storeClient: this.redis,
      keyPrefix: `${this.prefix}${spec.namespace}`,
      points: spec.points,
      duration: spec.durationMs / 1000,
      blockDuration: spec.blockDurationMs / 1000,
      // Refuse at once while the client is not connected instead of queueing behind a reconnect.
      rejectIfRedisNotReady: true,
    });
  }

  insurance(spec: LimiterSpec): RateLimiterAbstract | undefined {
    if (this.processes === undefined) return undefined;
    const points = Math.max(1, Math.floor(spec.points / this.processes));
    return memoryLimiter(`${this.prefix}${spec.namespace}`, points, spec);
  }
}

/** Undoes a consume whose answer was lost: takes the points back off the counter if its window still runs. */
const REFUND = `if redis.call('exists', KEYS[1]) == 1 then return redis.call('decrby', KEYS[1], ARGV[1]) end return false`;

type Upsert = (rlKey: string, points: number, msDuration: number, forceExpire?: boolean) => Promise<unknown>;

/**
 * rate-limiter-flexible's Redis limiter, plus recovery from a command that timed out (`commandTimeout`): Redis may
 * have applied it although the client gave up. A consume that timed out is undone by a refund sent on the same
 * connection, so Redis runs it right after the consume, whenever the stall ends; the call it was for never ran.
 * When the connection was replaced in between, whether the consume applied is unknown, and its points are left to
 * expire with the window (a loss on the safe side: never more calls than the limit).
 */
class RecoveringRateLimiterRedis extends RateLimiterRedis {
  private readonly redis: RateRedisClient & { tollgateRateRefund?: (key: string, points: number) => Promise<unknown> };

  constructor(options: ConstructorParameters<typeof RateLimiterRedis>[0] & { storeClient: RateRedisClient }) {
    super(options);
    this.redis = options.storeClient;
    this.redis.defineCommand('tollgateRateRefund', { lua: REFUND, numberOfKeys: 1 });
  }

  async _upsert(rlKey: string, points: number, msDuration: number, forceExpire = false): Promise<unknown> {
    const stream = this.redis.stream;
    const upsert = (RateLimiterRedis.prototype as unknown as { _upsert: Upsert })._upsert;
    try {
      return await upsert.call(this, rlKey, points, msDuration, forceExpire);
    } catch (err) {
      if (points > 0 && isTimeout(err) && stream !== undefined && this.redis.stream === stream) {
        this.redis.tollgateRateRefund?.(rlKey, points).catch(() => undefined);
      }
      throw err;
    }
  }
}

/** ioredis's `commandTimeout` error: the command was sent and may have run. */
function isTimeout(err: unknown): boolean {
  return err instanceof Error && err.message === 'Command timed out';
}

function memoryLimiter(keyPrefix: string, points: number, spec: LimiterSpec): RateLimiterMemory {
  return new RateLimiterMemory({
    keyPrefix,
    points,
    duration: spec.durationMs / 1000,
    blockDuration: spec.blockDurationMs / 1000,
  });
}
