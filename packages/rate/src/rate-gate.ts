import {
  errorText,
  type FailMode,
  type Gate,
  type GateContext,
  type GateOptions,
  type GateVerdict,
  type Reservation,
  readToolOptions,
  ToolOptionsError,
  UnavailableError,
} from '@tollgate/core';
import type { RateLimiterRes } from 'rate-limiter-flexible';
import { type Bound, consume, get, giveBack, type Held } from './counters.js';
import { assertCost, isPoints, type RateCost, type RateLimit, type ResolvedLimit, resolveLimits } from './limits.js';
import { describeLimit, rateLimitedMessage } from './messages.js';
import { RateReason } from './reasons.js';
import { MemoryRateStore, type RateStore } from './store.js';

/** Options for {@link RateGate}. */
export interface RateGateOptions extends GateOptions {
  /** The limits every call must pass, all of them. */
  limits: RateLimit | readonly RateLimit[];
  /** Where counters live (default: a {@link MemoryRateStore}, this process only). */
  store?: RateStore;
  /** Points a call costs: a whole number ≥ 0 or a function of (args, ctx); default 1. 0 skips the limits. */
  cost?: RateCost;
}

/**
 * Per-tool options: a tool's `gates[<gate name>]` entry, e.g.
 * `gates: { rate: { cost: (args) => args.recipients.length, limits: [{ name: 'send', points: 3, durationMs: 60_000 }] } }`.
 */
export interface RateToolOptions {
  /** Replaces the gate's cost for this tool. */
  cost?: RateCost;
  /**
   * Extra limits for this tool, counted apart from the gate's (keys `<gate>@<tool>:<limit>:…`).
   * They apply on top of the gate's limits unless `replaceLimits` is true.
   */
  limits?: RateLimit | readonly RateLimit[];
  /** Use only this tool's `limits`, not the gate's. */
  replaceLimits?: boolean;
}

/** What a decision's `data.limits` holds for each limit. */
export interface LimitState {
  /** The limit's name. */
  name: string;
  /** The counter's key, as the limit's key function gave it. */
  key: string;
  /** Points per window. */
  points: number;
  /** Points counted in the current window, this call included (dry run: excluded). */
  consumed: number;
  /** Points left in the current window. */
  remaining: number;
  /** ms until the window (or penalty block) ends */
  resetInMs: number;
  /** Counted by the in-memory insurance limiter because the store was unavailable. */
  insurance?: true;
}

/** A tool's rate options compiled at `register()`: its cost and the limits bound to the store. */
export interface RateToolConfig {
  readonly cost: RateCost;
  readonly bounds: readonly Bound[];
}

const TOOL_OPTION_KEYS = ['cost', 'limits', 'replaceLimits'] as const;

/**
 * Admission gate (stage `rate`) on rate-limiter-flexible: a call runs only if every limit has room for
 * its cost, and only calls that actually run keep their points.
 *
 * - Blocks with `rate_limited` and `retryAfterMs`; the message tells the model when to retry.
 * - The points are a {@link Reservation}: released (rate-limiter-flexible `reward`) when a later gate
 *   blocks or the handler throws, kept on success (or on failure with `chargeOnError`).
 * - A refused attempt is not charged, as in actiongate (which records only admitted calls) and as users of
 *   these limiters ask; except under `blockDurationMs`, whose penalty block is the charge. Unlike
 *   actiongate, a slot taken for a call that a later gate blocks is given back.
 * - Store unavailable: the gate throws core's `UnavailableError`, which the runner maps by `failMode`
 *   (`store_unavailable` closed, the default; `store_unavailable_fail_open` open); a store's insurance limiter
 *   keeps limiting while it can.
 * - `ctx.dryRun` reads counters (`get`) and consumes nothing.
 *
 * Configuration errors throw `TypeError` from the constructor; bad per-tool options throw `ToolOptionsError`
 * from the runner's `register()`.
 */
export class RateGate implements Gate<RateToolConfig, RateToolOptions> {
  /** Name in decisions, `gates[name]` tool options and counter keys (default `rate`). */
  readonly name: string;
  readonly stage = 'rate' as const;
  /** Its check only consumes (or reads) counters, so the runner may issue it with the budget's in one round trip. */
  readonly concurrent = true;
  /** What a store failure does: `'closed'` (default) blocks with `store_unavailable`, `'open'` allows. */
  readonly failMode: FailMode;
  /** Evaluate and record, never enforce (see `GateOptions.shadow`). */
  readonly shadow: boolean;
  private readonly store: RateStore;
  private readonly defaults: RateToolConfig;

  /** @throws {TypeError} for missing options, an invalid limit or cost, or a limit the store cannot represent */
  constructor(options: RateGateOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('RateGate needs options with limits');
    this.name = options.name ?? 'rate';
    this.failMode = options.failMode ?? 'closed';
    this.shadow = options.shadow ?? false;
    this.store = options.store ?? new MemoryRateStore();
    assertCost(options.cost, `RateGate "${this.name}"`);
    const limits = resolveLimits(options.limits, `RateGate "${this.name}"`);
    if (limits.length === 0) throw new TypeError(`RateGate "${this.name}" needs at least one limit`);
    this.defaults = { cost: options.cost ?? 1, bounds: limits.map((l) => this.bind(l, `${this.name}:${l.name}`)) };
  }

  /**
   * Compiles a tool's {@link RateToolOptions} once, when it is registered: its cost, and its own limits bound
   * to the store (keys `<gate>@<tool>:<limit>:…`).
   * @throws {ToolOptionsError} naming tool, gate and path
   */
  compileToolOptions(raw: RateToolOptions | undefined, tool: string): RateToolConfig {
    const site = { gate: this.name, tool };
    const options = readToolOptions(raw, site, TOOL_OPTION_KEYS) as RateToolOptions | undefined;
    if (options === undefined) return this.defaults;
    const at = (path: string, fn: () => void) => {
      try {
        fn();
      } catch (err) {
        throw new ToolOptionsError(site, path, errorText(err), { cause: err });
      }
    };
    at('/cost', () => assertCost(options.cost, 'cost'));
    const cost = options.cost ?? this.defaults.cost;
    if (options.limits === undefined) {
      if (options.replaceLimits) throw new ToolOptionsError(site, '/replaceLimits', 'replaceLimits needs limits');
      return cost === this.defaults.cost ? this.defaults : { cost, bounds: this.defaults.bounds };
    }
    let own: Bound[] = [];
    at('/limits', () => {
      const ns = `${this.name}@${encodeURIComponent(tool)}`;
      own = resolveLimits(options.limits!, 'limits').map((l) => this.bind(l, `${ns}:${l.name}`));
    });
    return { cost, bounds: options.replaceLimits ? own : [...this.defaults.bounds, ...own] };
  }

  /**
   * Takes the call's cost from every limit (a dry run only reads the counters). `tool` is the tool's compiled
   * options. Blocks with `rate_limited`, `cost_exceeds_limit` or `invalid_cost`; throws `UnavailableError` when
   * the store cannot answer, and `TypeError` for a key function that returns no string (both mapped by the
   * runner through `failMode`).
   */
  async check(ctx: GateContext, tool: RateToolConfig = this.defaults): Promise<GateVerdict> {
    const { bounds } = tool;
    const cost = resolveCost(tool.cost, ctx);
    if (!cost.ok) {
      return {
        outcome: 'block',
        reason: RateReason.invalidCost,
        message: `The rate cost of ${ctx.tool} could not be worked out from these arguments (${cost.problem}). Check the arguments and call again.`,
      };
    }
    if (cost.points === 0) return { outcome: 'allow', reason: 'ok', data: { cost: 0, limits: [] } };
    const tooBig = bounds.find((b) => cost.points > b.limit.points);
    if (tooBig) {
      const l = tooBig.limit;
      return {
        outcome: 'block',
        reason: RateReason.costExceedsLimit,
        message: `This ${ctx.tool} call costs ${cost.points} points but the limit allows ${describeLimit(l.points, l.durationMs, cost.points)}, so it can never pass. Split it into smaller calls.`,
        data: { cost: cost.points, limit: l.name },
      };
    }
    const keys = bounds.map((b) => limitKey(b.limit, ctx));
    return ctx.dryRun ? this.peek(ctx, bounds, keys, cost.points) : this.take(ctx, bounds, keys, cost.points);
  }

  /**
   * Consumes the cost from every limit at once (one round trip to a pipelining store) and takes the answers in
   * order; gives back what it took if one refuses.
   */
  private async take(ctx: GateContext, bounds: readonly Bound[], keys: string[], cost: number): Promise<GateVerdict> {
    const attempts = await Promise.all(bounds.map((bound, i) => consume(bound, keys[i]!, cost)));
    const held: Held[] = [];
    const states: LimitState[] = [];
    const now = ctx.clock.now();
    for (const attempt of attempts) {
      if (attempt.kind !== 'unavailable' && attempt.kind !== 'limited') {
        const resetInMs = attempt.res.msBeforeNext;
        held.push({
          limiter: attempt.limiter,
          key: attempt.key,
          cost,
          windowEndsAt: resetInMs > 0 ? now + resetInMs : undefined,
        });
      }
    }
    for (const [i, bound] of bounds.entries()) {
      const attempt = attempts[i]!;
      const key = keys[i]!;
      if (attempt.kind === 'unavailable') {
        // Best effort: the store that just failed is the one to credit; what it misses expires with the window.
        await giveBack(held, ctx.clock).catch(() => undefined);
        throw this.unavailable(attempt.error, states);
      }
      const state = limitState(bound.limit, key, attempt.res, attempt.insured);
      if (attempt.kind === 'limited') {
        // Not charging the refused attempt; under a penalty block the key stays blocked whatever the count.
        if (bound.limit.blockDurationMs === 0) await attempt.limiter.reward(key, cost).catch(() => undefined);
        await giveBack(held, ctx.clock).catch(() => undefined);
        state.consumed = Math.max(0, state.consumed - cost);
        states.push(state);
        return this.limited(ctx, bound.limit, cost, attempt.res.msBeforeNext, states);
      }
      states.push(state);
    }
    const clock = ctx.clock;
    const reservation: Reservation = {
      commit: () => {},
      release: () => giveBack(held, clock),
    };
    return { outcome: 'allow', reason: 'ok', data: this.data(cost, states), reservation };
  }

  /** Dry run: reads each counter (`get`) and says whether the cost would fit, consuming nothing. */
  private async peek(ctx: GateContext, bounds: readonly Bound[], keys: string[], cost: number): Promise<GateVerdict> {
    const states: LimitState[] = [];
    for (const [i, bound] of bounds.entries()) {
      const key = keys[i]!;
      const read = await get(bound, key);
      if (read.kind === 'unavailable') throw this.unavailable(read.error, states);
      const l = bound.limit;
      const consumed = read.res?.consumedPoints ?? 0;
      const resetInMs = read.res && read.res.msBeforeNext > 0 ? read.res.msBeforeNext : l.durationMs;
      const state: LimitState = {
        name: l.name,
        key,
        points: l.points,
        consumed,
        remaining: Math.max(0, l.points - consumed),
        resetInMs,
      };
      if (read.insured) state.insurance = true;
      states.push(state);
      if (consumed + cost > l.points) return this.limited(ctx, l, cost, resetInMs, states);
    }
    return { outcome: 'allow', reason: 'ok', data: this.data(cost, states) };
  }

  private limited(
    ctx: GateContext,
    limit: ResolvedLimit,
    cost: number,
    msBeforeNext: number,
    states: LimitState[],
  ): GateVerdict {
    const retryAfterMs = Math.max(1, msBeforeNext > 0 ? msBeforeNext : limit.durationMs);
    return {
      outcome: 'block',
      reason: RateReason.rateLimited,
      message: rateLimitedMessage(ctx.tool, limit, cost, retryAfterMs),
      retryAfterMs,
      data: { ...this.data(cost, states), limit: limit.name },
    };
  }

  private unavailable(err: unknown, states: LimitState[]): UnavailableError {
    return new UnavailableError('the rate store', {
      cause: err,
      retryAfterMs: 1000,
      data: { store: this.store.kind, limits: states },
    });
  }

  private data(cost: number, limits: LimitState[]): Record<string, unknown> {
    return { cost, store: this.store.kind, limits };
  }

  private bind(limit: ResolvedLimit, namespace: string): Bound {
    const spec = {
      namespace,
      points: limit.points,
      durationMs: limit.durationMs,
      blockDurationMs: limit.blockDurationMs,
    };
    return { limit, primary: this.store.limiter(spec), insurance: this.store.insurance?.(spec) };
  }
}

function resolveCost(cost: RateCost, ctx: GateContext): { ok: true; points: number } | { ok: false; problem: string } {
  let points: unknown;
  try {
    points = typeof cost === 'function' ? cost(ctx.args, ctx) : cost;
  } catch (err) {
    return { ok: false, problem: errorText(err) };
  }
  if (isPoints(points)) return { ok: true, points };
  return { ok: false, problem: `cost must be a whole number of points ≥ 0, got ${String(points)}` };
}

function limitKey(limit: ResolvedLimit, ctx: GateContext): string {
  const key = limit.key(ctx);
  if (typeof key !== 'string' || key === '') {
    throw new TypeError(`rate limit "${limit.name}": its key function returned ${JSON.stringify(key)}, not a string`);
  }
  return key;
}

function limitState(limit: ResolvedLimit, key: string, res: RateLimiterRes, insured: boolean): LimitState {
  const state: LimitState = {
    name: limit.name,
    key,
    points: limit.points,
    consumed: res.consumedPoints,
    remaining: Math.max(0, limit.points - res.consumedPoints),
    resetInMs: Math.max(0, res.msBeforeNext),
  };
  if (insured) state.insurance = true;
  return state;
}
