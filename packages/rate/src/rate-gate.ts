import type { Gate, GateContext, GateOptions, GateVerdict, Reservation } from '@tollgate/core';
import { errorName, errorText } from '@tollgate/core';
import type { RateLimiterRes } from 'rate-limiter-flexible';
import { type Bound, consume, get, giveBack, type Held } from './counters.js';
import { assertCost, isPoints, type RateCost, type RateLimit, type ResolvedLimit, resolveLimits } from './limits.js';
import { describeLimit, formatRetry, rateLimitedMessage } from './messages.js';
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

const TOOL_OPTION_KEYS = new Set(['cost', 'limits', 'replaceLimits']);

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
 * - Store unavailable: `failMode: 'closed'` (default) blocks with `store_unavailable`, `'open'` allows
 *   with `store_unavailable_fail_open` and the error recorded; a store's insurance limiter keeps limiting.
 * - `ctx.dryRun` reads counters (`get`) and consumes nothing.
 *
 * Configuration errors throw `TypeError` from the constructor; bad per-tool options surface as the
 * runner's `gate_error`.
 */
export class RateGate implements Gate {
  /** Name in decisions, `gates[name]` tool options and counter keys (default `rate`). */
  readonly name: string;
  readonly stage = 'rate' as const;
  /** What a store failure does: `'closed'` (default) blocks with `store_unavailable`, `'open'` allows. */
  readonly failMode: 'open' | 'closed';
  private readonly store: RateStore;
  private readonly cost: RateCost;
  private readonly bounds: Bound[];
  private readonly toolBounds = new Map<string, { source: unknown; bounds: Bound[] }>();

  /** @throws {TypeError} for missing options, an invalid limit or cost, or a limit the store cannot represent */
  constructor(options: RateGateOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('RateGate needs options with limits');
    this.name = options.name ?? 'rate';
    this.failMode = options.failMode ?? 'closed';
    this.store = options.store ?? new MemoryRateStore();
    assertCost(options.cost, `RateGate "${this.name}"`);
    this.cost = options.cost ?? 1;
    const limits = resolveLimits(options.limits, `RateGate "${this.name}"`);
    if (limits.length === 0) throw new TypeError(`RateGate "${this.name}" needs at least one limit`);
    this.bounds = limits.map((l) => this.bind(l, `${this.name}:${l.name}`));
  }

  /**
   * Takes the call's cost from every limit (a dry run only reads the counters). `options` is the tool's
   * {@link RateToolOptions}. Blocks with `rate_limited`, `cost_exceeds_limit`, `invalid_cost` or
   * `store_unavailable`; throws `TypeError` for bad tool options or a key function that returns no string.
   */
  async check(ctx: GateContext, options: unknown): Promise<GateVerdict> {
    const toolOptions = this.toolOptions(ctx.tool, options);
    const bounds = this.boundsFor(ctx.tool, toolOptions);
    const cost = resolveCost(toolOptions.cost ?? this.cost, ctx);
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

  /** Consumes the cost from every limit in order; gives back what it took if one refuses. */
  private async take(ctx: GateContext, bounds: Bound[], keys: string[], cost: number): Promise<GateVerdict> {
    const held: Held[] = [];
    const states: LimitState[] = [];
    for (const [i, bound] of bounds.entries()) {
      const key = keys[i]!;
      const attempt = await consume(bound, key, cost);
      if (attempt.kind === 'unavailable') {
        // Best effort: the store that just failed is the one to credit; what it misses expires with the window.
        await giveBack(held, ctx.clock).catch(() => undefined);
        return this.unavailable(attempt.error, states);
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
      const resetInMs = attempt.res.msBeforeNext;
      held.push({
        limiter: attempt.limiter,
        key,
        cost,
        windowEndsAt: resetInMs > 0 ? ctx.clock.now() + resetInMs : undefined,
      });
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
  private async peek(ctx: GateContext, bounds: Bound[], keys: string[], cost: number): Promise<GateVerdict> {
    const states: LimitState[] = [];
    for (const [i, bound] of bounds.entries()) {
      const key = keys[i]!;
      const read = await get(bound, key);
      if (read.kind === 'unavailable') return this.unavailable(read.error, states);
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

  private unavailable(err: unknown, states: LimitState[]): GateVerdict {
    const error = { name: errorName(err), message: errorText(err) };
    const data = { store: this.store.kind, storeUnavailable: true, limits: states };
    if (this.failMode === 'open') {
      return {
        outcome: 'allow',
        reason: RateReason.storeUnavailableFailOpen,
        message: 'The rate store is unavailable and this gate is fail-open, so the call was allowed unlimited.',
        data,
        error,
      };
    }
    return {
      outcome: 'block',
      reason: RateReason.storeUnavailable,
      message: `Rate limits could not be checked (the rate store is unavailable), so the call did not run. Retry in ${formatRetry(1000)}.`,
      retryAfterMs: 1000,
      data,
      error,
    };
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

  /** Called by the runner at `register()`: malformed {@link RateToolOptions} throw `TypeError` at start-up. */
  validateToolOptions(options: unknown, tool: string): void {
    this.boundsFor(tool, this.toolOptions(tool, options));
  }

  private toolOptions(tool: string, options: unknown): RateToolOptions {
    if (options === undefined || options === null || options === true) return {};
    if (typeof options !== 'object') {
      throw new TypeError(`gates.${this.name} of tool "${tool}" must be an object, false or absent`);
    }
    const unknown = Object.keys(options).filter((k) => !TOOL_OPTION_KEYS.has(k));
    if (unknown.length > 0) {
      throw new TypeError(`gates.${this.name} of tool "${tool}" has unknown option(s): ${unknown.join(', ')}`);
    }
    const parsed = options as RateToolOptions;
    assertCost(parsed.cost, `gates.${this.name} of tool "${tool}"`);
    return parsed;
  }

  /** The gate's limits plus the tool's own, bound once per tool (tool options are static). */
  private boundsFor(tool: string, options: RateToolOptions): Bound[] {
    if (options.limits === undefined) {
      if (options.replaceLimits)
        throw new TypeError(`gates.${this.name} of tool "${tool}": replaceLimits needs limits`);
      return this.bounds;
    }
    let entry = this.toolBounds.get(tool);
    if (!entry || entry.source !== options.limits) {
      const limits = resolveLimits(options.limits, `gates.${this.name} of tool "${tool}"`);
      const ns = `${this.name}@${encodeURIComponent(tool)}`;
      entry = { source: options.limits, bounds: limits.map((l) => this.bind(l, `${ns}:${l.name}`)) };
      this.toolBounds.set(tool, entry);
    }
    return options.replaceLimits ? entry.bounds : [...this.bounds, ...entry.bounds];
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
