import { BudgetAmountError, Money } from './amount.js';
import { COMMIT, PEEK, RELEASE, RESERVE } from './redis-scripts.js';
import type { BudgetLine, BudgetStore, BudgetUsage, CommitLine, CommitUsage, ReserveOutcome } from './store.js';

/**
 * The Redis client {@link RedisBudgetStore} needs, typed by shape so that this package's types never require
 * ioredis: an ioredis 5 or 6 `Redis` (or `Cluster`) fits as it is. The store defines its Lua scripts on it
 * (`defineCommand`) and then calls them as the methods ioredis adds.
 */
export interface BudgetRedisClient {
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number }): void;
  /** True for an ioredis `Cluster`: each ledger is a slot of its own there, so a call's budgets go one per script. */
  readonly isCluster?: boolean;
}

/** Options for {@link RedisBudgetStore}. */
export interface RedisBudgetStoreOptions {
  /** A connected ioredis client; for fail-fast behaviour see docs/budget.md ("Redis client options"). */
  redis: BudgetRedisClient;
  /** Prefix of every key (default `tollgate:budget:`). */
  prefix?: string;
  /** Decimal places of the minor unit (default 6: amounts are stored as millionths). Integer 0–15. */
  scale?: number;
  /** How long a hold lives without a commit or release, e.g. after its process crashed (ms, default 10 minutes). */
  reservationTtlMs?: number;
  /**
   * Which clock windows and hold TTLs use: `'server'` (default) reads Redis `TIME` inside the script, so every
   * host agrees; `'caller'` uses the `now` the gate passes (the runner's clock), for injected clocks in tests.
   */
  time?: 'server' | 'caller';
}

type Script = (...args: (string | number)[]) => Promise<string[] | (string | number)[]>;
type Scripts = Record<
  'tollgateBudgetReserve' | 'tollgateBudgetPeek' | 'tollgateBudgetCommit' | 'tollgateBudgetRelease',
  Script
>;

/**
 * Budgets in Redis, shared by every process and host on that Redis. Each method is ONE Lua script call
 * (EVALSHA through ioredis `defineCommand`), atomic across all of a call's budgets. Amounts are stored as
 * integer minor units (`amount × 10^scale`); an amount with more decimals than `scale`, or above
 * `Number.MAX_SAFE_INTEGER` minor units (9,007,199,254.740991 at scale 6), is refused with
 * {@link BudgetAmountError}, never rounded. Needs Redis 5 or later (scripts that read TIME and then write).
 * Key layout: see docs/budget.md.
 */
export class RedisBudgetStore implements BudgetStore {
  readonly kind = 'redis';
  /** The largest amount this store holds, as a decimal string. */
  readonly maxAmount: string;
  private readonly redis: BudgetRedisClient;
  private readonly scripts: Scripts;
  private readonly prefix: string;
  private readonly unit: InstanceType<typeof Money>;
  private readonly scale: number;
  private readonly ttlMs: number;
  private readonly serverTime: boolean;
  private readonly cluster: boolean;

  /**
   * @throws {TypeError} without `redis`, for a `scale` outside 0–15, or for a `reservationTtlMs` that is not a
   *   positive integer
   */
  constructor(options: RedisBudgetStoreOptions) {
    if (!options?.redis) throw new TypeError('RedisBudgetStore needs an ioredis client as `redis`');
    const scale = options.scale ?? 6;
    if (!Number.isInteger(scale) || scale < 0 || scale > 15) {
      throw new TypeError(`scale must be an integer from 0 to 15, got ${scale}`);
    }
    const ttl = options.reservationTtlMs ?? 600_000;
    if (!Number.isInteger(ttl) || ttl <= 0)
      throw new TypeError(`reservationTtlMs must be a positive integer, got ${ttl}`);
    this.redis = options.redis;
    this.prefix = options.prefix ?? 'tollgate:budget:';
    this.scale = scale;
    this.unit = new Money(10).pow(scale);
    this.maxAmount = new Money(Number.MAX_SAFE_INTEGER).div(this.unit).toFixed();
    this.ttlMs = ttl;
    this.serverTime = (options.time ?? 'server') === 'server';
    // On a Cluster every script call carries one ledger (2 keys), declared up front: ioredis routes (and
    // auto-pipelines) a call by its first key, which a leading key count would hide.
    this.cluster = this.redis.isCluster === true;
    const numberOfKeys = this.cluster ? 2 : undefined;
    this.redis.defineCommand('tollgateBudgetReserve', { lua: RESERVE, numberOfKeys });
    this.redis.defineCommand('tollgateBudgetPeek', { lua: PEEK, numberOfKeys });
    this.redis.defineCommand('tollgateBudgetCommit', { lua: COMMIT, numberOfKeys });
    this.redis.defineCommand('tollgateBudgetRelease', { lua: RELEASE, numberOfKeys });
    this.scripts = this.redis as unknown as Scripts;
  }

  /** The ledger hash and holds sorted-set keys for a ledger key; the hash tag keeps both in one cluster slot. */
  keysFor(key: string): [hash: string, holds: string] {
    const hash = `${this.prefix}{${key}}`;
    return [hash, `${hash}:holds`];
  }

  async reserve(id: string, lines: readonly BudgetLine[], now: number): Promise<ReserveOutcome> {
    const head = [this.time(now), id, this.ttlMs];
    if (!this.perSlot(lines)) return this.evaluate(lines, this.scripts.tollgateBudgetReserve, head);
    // Cluster, several ledgers (several slots): one script per ledger, sent together; if one refuses, the holds the
    // others took are given back, so a refused call holds nothing once this returns (never more than max held).
    const outcomes = await Promise.all(lines.map((l) => this.evaluate([l], this.scripts.tollgateBudgetReserve, head)));
    const merged = mergeOutcomes(outcomes);
    if (!merged.ok) {
      const held = lines.filter((_, i) => outcomes[i]!.ok).map((l) => l.key);
      if (held.length > 0) await this.release(id, held);
    }
    return merged;
  }

  async peek(lines: readonly BudgetLine[], now: number): Promise<ReserveOutcome> {
    const head = [this.time(now)];
    if (!this.perSlot(lines)) return this.evaluate(lines, this.scripts.tollgateBudgetPeek, head);
    return mergeOutcomes(
      await Promise.all(lines.map((l) => this.evaluate([l], this.scripts.tollgateBudgetPeek, head))),
    );
  }

  async commit(id: string, lines: readonly CommitLine[], now: number, retry = false): Promise<CommitUsage[]> {
    if (this.perSlot(lines)) {
      return (await Promise.all(lines.map((l) => this.commitScript(id, [l], now, retry)))).flat();
    }
    return this.commitScript(id, lines, now, retry);
  }

  private async commitScript(id: string, lines: readonly CommitLine[], now: number, retry: boolean) {
    const args = lines.flatMap((l) => [l.windowMs ?? 0, this.toMinor(l.amount)]);
    const reply = await this.scripts.tollgateBudgetCommit(
      ...this.keyArgs(lines.map((l) => l.key)),
      this.time(now),
      id,
      this.ttlMs,
      lines.length,
      retry ? 1 : 0,
      ...args,
    );
    return lines.map((line, i) => ({
      ...this.usage(line.key, reply, i * 4),
      late: String(reply[i * 4 + 3]) === '1',
    }));
  }

  async release(id: string, keys: readonly string[]): Promise<void> {
    if (this.perSlot(keys)) {
      await Promise.all(keys.map((k) => this.scripts.tollgateBudgetRelease(...this.keyArgs([k]), id)));
      return;
    }
    await this.scripts.tollgateBudgetRelease(...this.keyArgs(keys), id);
  }

  /** On a Cluster, a call with several ledgers needs a script per ledger (each ledger's keys share one slot). */
  private perSlot(lines: readonly unknown[]): boolean {
    return this.cluster && lines.length > 1;
  }

  /** A script's keys, led by their count unless the script declares it (Cluster). */
  private keyArgs(ledgers: readonly string[]): (string | number)[] {
    const keys = this.keys(ledgers);
    return this.cluster ? keys : [keys.length, ...keys];
  }

  /** Runs reserve or peek: KEYS per line, then `head`, the line count and each line's max, window and amount. */
  private async evaluate(lines: readonly BudgetLine[], script: Script, head: (string | number)[]) {
    const args = lines.flatMap((l) => [this.toMinor(l.max, 'budget max'), l.windowMs ?? 0, this.toMinor(l.amount)]);
    const keys = this.keyArgs(lines.map((l) => l.key));
    const reply = await script.call(this.redis, ...keys, ...head, lines.length, ...args);
    return this.outcome(lines, reply);
  }

  private keys(keys: readonly string[]): string[] {
    return keys.flatMap((k) => this.keysFor(k));
  }

  private time(now: number): number {
    return this.serverTime ? -1 : now;
  }

  private outcome(lines: readonly BudgetLine[], reply: (string | number)[]): ReserveOutcome {
    const ok = Number(reply[0]) === 1;
    const out: ReserveOutcome = {
      ok,
      now: Number(reply[2]),
      lines: lines.map((line, i) => this.usage(line.key, reply, 3 + i * 3)),
    };
    if (!ok) out.blocked = Number(reply[1]) - 1;
    return out;
  }

  private usage(key: string, reply: (string | number)[], at: number): BudgetUsage {
    const u: BudgetUsage = { key, spent: this.fromMinor(reply[at]!), held: this.fromMinor(reply[at + 1]!) };
    const start = Number(reply[at + 2]);
    if (start >= 0) u.windowStart = start;
    return u;
  }

  /** @throws {BudgetAmountError} for an amount with more decimals than `scale`, or above {@link maxAmount} */
  assertAmount(amount: string, what: string): void {
    this.toMinor(amount, what);
  }

  /** A decimal string as integer minor units, refused when it needs rounding or passes 2^53. */
  private toMinor(amount: string, what = 'amount'): string {
    const minor = new Money(amount).times(this.unit);
    if (!minor.isInteger()) {
      throw new BudgetAmountError(`The ${what} ${amount} has more than ${this.scale} decimal places.`);
    }
    if (minor.greaterThan(Number.MAX_SAFE_INTEGER)) {
      throw new BudgetAmountError(
        `The ${what} ${amount} is above the largest amount the store holds (${this.maxAmount}).`,
      );
    }
    return minor.toFixed(0);
  }

  private fromMinor(minor: string | number): string {
    return new Money(String(minor)).div(this.unit).toFixed();
  }
}

/** The answer of several one-ledger scripts as one: ok if all were, blocked at the first refusal. */
function mergeOutcomes(outcomes: ReserveOutcome[]): ReserveOutcome {
  const blocked = outcomes.findIndex((o) => !o.ok);
  const out: ReserveOutcome = { ok: blocked < 0, now: outcomes[0]!.now, lines: outcomes.map((o) => o.lines[0]!) };
  if (blocked >= 0) out.blocked = blocked;
  return out;
}
