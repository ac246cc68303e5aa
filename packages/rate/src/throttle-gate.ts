import {
  type FailMode,
  type Gate,
  type GateContext,
  type GateOptions,
  type GateVerdict,
  readToolOptions,
  ToolOptionsError,
} from '@tollgate/core';
import { formatDuration, formatRetry } from './messages.js';
import { RateReason } from './reasons.js';
import { SlotQueue } from './slot-queue.js';

/** Options for {@link ThrottleGate}. At least one of `maxConcurrent` and `minTimeMs` is needed. */
export interface ThrottleGateOptions extends GateOptions {
  /** Calls of one key running at once, a whole number ≥ 1 (default: unlimited). */
  maxConcurrent?: number;
  /** Minimum spacing between two starts of one key, in ms (default 0). */
  minTimeMs?: number;
  /** How long a call may wait for a slot before it is blocked with `throttle_timeout`, in ms (default 10 000). */
  maxWaitMs?: number;
  /**
   * Which throttle a call queues on, from its context (default: one for every call). Each key gets its own
   * limiter, dropped once idle, so memory follows the keys in use.
   */
  key?: (ctx: GateContext) => string;
}

/** Per-tool options: a tool's `gates[<gate name>]` entry, e.g. `{ maxWaitMs: 0 }` to never queue that tool. */
export interface ThrottleToolOptions {
  /** Replaces the gate's `maxWaitMs` for this tool. */
  maxWaitMs?: number;
}

/**
 * Throttling gate (stage `rate`) on Bottleneck in local mode: at most `maxConcurrent` calls of a key run at
 * once, their starts at least `minTimeMs` apart. A call waits for a slot up to `maxWaitMs`, or else is
 * blocked with `throttle_timeout` and a retry hint. The slot is held while the handler runs and freed when
 * the call ends, whatever the outcome (commit and release both free it).
 *
 * Throttling is per process: Bottleneck's Redis clustering is broken on Redis 7 (bottleneck issues #205,
 * #212, #219), so it is not used. Use {@link RateGate} with a Redis store for limits shared across processes.
 *
 * A dry run answers like Bottleneck's `check()` — could it start now — and holds nothing.
 */
export class ThrottleGate implements Gate<number, ThrottleToolOptions> {
  /** Name in decisions and `gates[name]` tool options (default `throttle`). */
  readonly name: string;
  readonly stage = 'rate' as const;
  /** What the runner does if the gate itself throws (a bad key function): `'closed'` (default) blocks. */
  readonly failMode: FailMode;
  /** Evaluate and record, never enforce (see `GateOptions.shadow`). */
  readonly shadow: boolean;
  private readonly maxConcurrent: number | undefined;
  private readonly minTimeMs: number;
  private readonly maxWaitMs: number;
  private readonly keyOf: (ctx: GateContext) => string;
  private readonly queues = new Map<string, SlotQueue>();

  /** @throws {TypeError} for missing options, a bad bound, or neither `maxConcurrent` nor `minTimeMs` */
  constructor(options: ThrottleGateOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('ThrottleGate needs options');
    this.name = options.name ?? 'throttle';
    this.failMode = options.failMode ?? 'closed';
    this.shadow = options.shadow ?? false;
    const where = `ThrottleGate "${this.name}"`;
    const { maxConcurrent, minTimeMs = 0, maxWaitMs = 10_000 } = options;
    if (maxConcurrent !== undefined && !(Number.isInteger(maxConcurrent) && maxConcurrent >= 1)) {
      throw new TypeError(`${where}: maxConcurrent must be a whole number ≥ 1 (got ${maxConcurrent})`);
    }
    if (!(Number.isFinite(minTimeMs) && minTimeMs >= 0)) throw new TypeError(`${where}: minTimeMs must be ≥ 0`);
    assertWait(maxWaitMs, where);
    if (maxConcurrent === undefined && minTimeMs === 0) {
      throw new TypeError(`${where} needs maxConcurrent or minTimeMs; without them it throttles nothing`);
    }
    this.maxConcurrent = maxConcurrent;
    this.minTimeMs = minTimeMs;
    this.maxWaitMs = maxWaitMs;
    this.keyOf = options.key ?? (() => '*');
  }

  /** Keys with a live limiter (idle keys are dropped once their spacing has passed). */
  get activeKeys(): number {
    return this.queues.size;
  }

  /**
   * Waits up to `maxWaitMs` for a slot and holds it as the verdict's reservation; blocks with
   * `throttle_timeout` and `retryAfterMs` (ms) when none comes free. `maxWaitMs` is the tool's, compiled from its
   * {@link ThrottleToolOptions}. Throws `TypeError` for a key function returning no string.
   */
  async check(ctx: GateContext, maxWaitMs: number = this.maxWaitMs): Promise<GateVerdict> {
    const key = this.keyOf(ctx);
    if (typeof key !== 'string') throw new TypeError(`${this.name}: the key function returned no string`);
    const data = { key, maxConcurrent: this.maxConcurrent, minTimeMs: this.minTimeMs, maxWaitMs };
    if (ctx.dryRun) {
      const queue = this.queues.get(key);
      const now = !queue || (await queue.wouldStartNow());
      if (!now && maxWaitMs === 0) return this.timedOut(ctx, queue, maxWaitMs, data);
      return { outcome: 'allow', reason: 'ok', data: { ...data, startsNow: now, waiting: queue?.waiting ?? 0 } };
    }
    const queue = this.queueFor(key);
    const slot = await queue.acquire(maxWaitMs);
    if (!slot) return this.timedOut(ctx, queue, maxWaitMs, data);
    return { outcome: 'allow', reason: 'ok', data, reservation: { commit: slot.free, release: slot.free } };
  }

  private timedOut(
    ctx: GateContext,
    queue: SlotQueue | undefined,
    maxWaitMs: number,
    data: Record<string, unknown>,
  ): GateVerdict {
    // A hint, not a promise: one spacing per call still queued, at least a second.
    const retryAfterMs = Math.max(1000, this.minTimeMs * ((queue?.waiting ?? 0) + 1));
    const limits = [
      this.maxConcurrent === undefined ? '' : `at most ${this.maxConcurrent} at a time`,
      this.minTimeMs > 0 ? `starts ${formatDuration(this.minTimeMs)} apart` : '',
    ]
      .filter(Boolean)
      .join(', ');
    const waited = maxWaitMs > 0 ? `no slot came free within ${formatDuration(maxWaitMs)}` : 'no slot is free now';
    return {
      outcome: 'block',
      reason: RateReason.throttleTimeout,
      message: `${ctx.tool} is throttled (${limits}) and ${waited}. It did not run; retry in ${formatRetry(retryAfterMs)}.`,
      retryAfterMs,
      data,
    };
  }

  private queueFor(key: string): SlotQueue {
    let queue = this.queues.get(key);
    if (!queue) {
      const created = new SlotQueue(this.maxConcurrent, this.minTimeMs, () => {
        if (this.queues.get(key) === created) this.queues.delete(key);
      });
      this.queues.set(key, created);
      queue = created;
    }
    return queue;
  }

  /**
   * Compiles a tool's {@link ThrottleToolOptions} once, when it is registered: its `maxWaitMs`.
   * @throws {ToolOptionsError} naming tool, gate and path
   */
  compileToolOptions(raw: ThrottleToolOptions | undefined, tool: string): number {
    const site = { gate: this.name, tool };
    const options = readToolOptions(raw, site, ['maxWaitMs']);
    const maxWaitMs = options?.maxWaitMs ?? this.maxWaitMs;
    if (!isWait(maxWaitMs)) throw new ToolOptionsError(site, '/maxWaitMs', `must be ≥ 0 ms (got ${String(maxWaitMs)})`);
    return maxWaitMs;
  }
}

function isWait(ms: unknown): ms is number {
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0;
}

function assertWait(maxWaitMs: number, where: string): void {
  if (!isWait(maxWaitMs)) {
    throw new TypeError(`${where}: maxWaitMs must be ≥ 0 ms (got ${maxWaitMs})`);
  }
}
