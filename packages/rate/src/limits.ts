import type { GateContext } from '@tollgate/core';

/** A number of points, or a function of the call's arguments and context returning one. */
export type RateCost = number | ((args: Record<string, unknown>, ctx: GateContext) => number);

/**
 * One admission limit: at most `points` per window of `durationMs` for each key. A gate holds one or
 * more; a call runs only if every limit has room for its cost.
 */
export interface RateLimit {
  /**
   * Names the limit in decisions, messages and store keys (letters, digits, `_`, `-`, `.`).
   * Default: `limit-<index>`. Renaming a limit starts its counters afresh.
   */
  name?: string;
  /**
   * The counter a call counts against, from its context, e.g. {@link rateKey}('tenant', 'actor', 'tool').
   * Default: one counter for every call (`'*'`).
   */
  key?: (ctx: GateContext) => string;
  /** Points per window, a whole number ≥ 1. */
  points: number;
  /** Window length in ms. Redis stores windows in whole seconds, so there it must be a multiple of 1000. */
  durationMs: number;
  /**
   * Penalty: once a call is refused, the key stays blocked this long (ms) instead of until the window ends
   * (rate-limiter-flexible's `blockDuration`). Default 0, no penalty. Whole seconds on Redis.
   */
  blockDurationMs?: number;
}

/** Context fields {@link rateKey} can build a key from. */
export type RateKeyField = 'tool' | 'actor' | 'tenant' | 'session';

/**
 * A key function joining context fields, e.g. `rateKey('tenant', 'actor', 'tool')` gives
 * `acme:alice:send_money`. Each part is URI-encoded, so `a:b` + `c` never collides with `a` + `b:c`;
 * a missing field reads `-`.
 */
export function rateKey(...fields: readonly RateKeyField[]): (ctx: GateContext) => string {
  return (ctx) => fields.map((f) => (ctx[f] === undefined ? '-' : encodeURIComponent(ctx[f]))).join(':');
}

/** A limit checked and given its defaults. */
export interface ResolvedLimit {
  /** The name in decisions and keys. */
  name: string;
  /** The name the user gave, for messages; undefined when defaulted. */
  label: string | undefined;
  /** The key function, `() => '*'` when none was given. */
  key: (ctx: GateContext) => string;
  /** Points per window. */
  points: number;
  /** Window length, ms. */
  durationMs: number;
  /** Penalty block, ms; 0 for none. */
  blockDurationMs: number;
}

const NAME = /^[A-Za-z0-9_.-]+$/;
const globalKey = () => '*';

/** Checks a limit and fills its defaults. Throws `TypeError` naming the bad field. */
export function resolveLimit(limit: RateLimit, index: number, where: string): ResolvedLimit {
  if (typeof limit !== 'object' || limit === null) throw new TypeError(`${where}: limit ${index} is not an object`);
  const name = limit.name ?? `limit-${index}`;
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new TypeError(`${where}: limit name "${String(name)}" must match ${NAME}`);
  }
  if (!Number.isInteger(limit.points) || limit.points < 1) {
    throw new TypeError(`${where}: limit "${name}" needs points, a whole number ≥ 1 (got ${String(limit.points)})`);
  }
  if (!Number.isFinite(limit.durationMs) || limit.durationMs <= 0) {
    throw new TypeError(`${where}: limit "${name}" needs durationMs > 0 (got ${String(limit.durationMs)})`);
  }
  const blockDurationMs = limit.blockDurationMs ?? 0;
  if (!Number.isFinite(blockDurationMs) || blockDurationMs < 0) {
    throw new TypeError(`${where}: limit "${name}" has blockDurationMs ${String(blockDurationMs)}; expected ≥ 0`);
  }
  if (limit.key !== undefined && typeof limit.key !== 'function') {
    throw new TypeError(`${where}: limit "${name}" key must be a function of the context`);
  }
  return {
    name,
    label: limit.name,
    key: limit.key ?? globalKey,
    points: limit.points,
    durationMs: limit.durationMs,
    blockDurationMs,
  };
}

/** Checks a whole list: at least one limit, names unique. */
export function resolveLimits(limits: RateLimit | readonly RateLimit[], where: string): ResolvedLimit[] {
  const list = (Array.isArray(limits) ? limits : [limits]) as readonly RateLimit[];
  const resolved = list.map((l, i) => resolveLimit(l, i, where));
  const names = new Set<string>();
  for (const l of resolved) {
    if (names.has(l.name)) throw new TypeError(`${where}: two limits are named "${l.name}"`);
    names.add(l.name);
  }
  return resolved;
}

/** Checks a `cost` option at configuration time. Throws `TypeError`. */
export function assertCost(cost: RateCost | undefined, where: string): void {
  if (cost === undefined || typeof cost === 'function') return;
  if (!isPoints(cost)) throw new TypeError(`${where}: cost must be a whole number ≥ 0 or a function (got ${cost})`);
}

/** True for a whole number of points ≥ 0, the only costs rate-limiter-flexible's Redis backend accepts. */
export function isPoints(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}
