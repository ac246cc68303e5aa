// Scaling: registered tools, distinct actor keys (memory growth and eviction), gates per call.
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryBudgetStore } from '@tollgate/budget';
import { type CallContext, type Gate, GatedToolRunner } from '@tollgate/core';
import { type LimiterSpec, MemoryRateStore, rateKey } from '@tollgate/rate';
import {
  ARGS,
  budgetGate,
  CONTEXT,
  handler,
  manualClock,
  memoryAuditGate,
  paymentRunner,
  rateGate,
  ruleGate,
  SCHEMA,
} from '../fixtures.js';
import type { CallCase } from '../measure.js';
import { callCase, expectExecuted } from './overhead.js';

/** Heap in use after a full collection, bytes. */
export function heapUsed(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Call latency with `n` tools registered, calling the middle one. */
export function buildToolCases(sizes: readonly number[]): CallCase[] {
  return sizes.map((n) => {
    // One schema object for all: ajv compiles it once, so 10,000 tools register in seconds. A call looks its
    // tool up by name, so what grows with n is the registry, not the per-call work.
    const runner = new GatedToolRunner({
      gates: [rateGate(), budgetGate()],
      tools: Array.from({ length: n }, (_, i) => ({ name: `tool_${i}`, parameters: SCHEMA, handler })),
    });
    const name = `tool_${Math.floor(n / 2)}`;
    return {
      id: `scaling.tools.${n}`,
      label: `${n.toLocaleString('en')} tools registered (validation, rate, budget)`,
      fn: async () => expectExecuted(await runner.call(name, ARGS, CONTEXT)),
    };
  });
}

/** Per-call latency with 1 to 8 gates: trivial synchronous ones (the runner's own cost) and real ones. */
export function buildGateCases(counts: readonly number[]): CallCase[] {
  const trivial = (i: number): Gate => ({
    name: `allow-${i}`,
    stage: 'rule',
    check: () => ({ outcome: 'allow', reason: 'ok' }),
  });
  const sinks: { records: unknown[] }[] = [];
  // Real gates in a fixed order; a second copy of each (own name, own state) takes the count past four.
  const real = (i: number): Gate => {
    const copy = i >= 4 ? '-2' : '';
    switch (i % 4) {
      case 0:
        return rateGate({ name: `rate${copy}` });
      case 1:
        return budgetGate({ name: `budget${copy}` });
      case 2:
        return ruleGate(`rule${copy}`);
      default: {
        const audit = memoryAuditGate(`audit${copy}`);
        sinks.push(audit.sink);
        return audit.gate;
      }
    }
  };
  const emptySinks = () => {
    for (const s of sinks) s.records.length = 0;
  };
  return counts.flatMap((n) => [
    callCase(
      `scaling.gates.trivial.${n}`,
      `${n} trivial sync gate${n > 1 ? 's' : ''}`,
      paymentRunner(Array.from({ length: n }, (_, i) => trivial(i))),
    ),
    callCase(
      `scaling.gates.real.${n}`,
      `${n} real gate${n > 1 ? 's' : ''} (${Array.from({ length: n }, (_, i) => ['rate', 'budget', 'rule', 'audit'][i % 4]).join(', ')})`,
      paymentRunner(Array.from({ length: n }, (_, i) => real(i))),
      { afterAll: emptySinks },
    ),
  ]);
}

/** One point of a key-scaling run. */
export interface KeyPoint {
  /** Distinct actor keys used so far. */
  keys: number;
  /** Heap growth since the start, bytes. */
  heapGrowth: number;
  /** Heap growth per key, bytes. */
  bytesPerKey: number;
  /** Median latency of 2,000 calls spread over the keys that exist at this point, µs. */
  medianUs: number;
}

/** A key-scaling run and what eviction gave back. */
export interface KeyScaling {
  id: string;
  label: string;
  points: KeyPoint[];
  eviction: string;
}

/**
 * Adds new actors up to each checkpoint (one call each), then times calls spread over the actors that exist,
 * so each point is the per-call latency at that many keys; heap growth is read after a full collection.
 */
async function growKeys(
  runner: GatedToolRunner,
  checkpoints: readonly number[],
  gc: () => void,
): Promise<{ points: KeyPoint[]; base: number }> {
  const base = heapUsed(gc);
  const points: KeyPoint[] = [];
  const context: CallContext = { ...CONTEXT };
  const call = async (actor: number) => {
    context.actor = `agent:${actor}`;
    expectExecuted(await runner.call('send_money', ARGS, context));
  };
  let created = 0;
  for (const target of checkpoints) {
    for (; created < target; created++) await call(created);
    const growth = heapUsed(gc) - base;
    const timings: number[] = [];
    for (let i = 0; i < 2_000; i++) {
      const t0 = performance.now();
      await call((i * 7_919) % target);
      timings.push(performance.now() - t0);
    }
    timings.sort((a, b) => a - b);
    points.push({
      keys: target,
      heapGrowth: growth,
      bytesPerKey: growth / target,
      medianUs: timings[timings.length >> 1]! * 1e3,
    });
  }
  return { points, base };
}

/** A memory rate store that keeps its limiters, so the benchmark can ask them which keys are still counted. */
type Limiter = ReturnType<MemoryRateStore['limiter']>;
class ObservedRateStore extends MemoryRateStore {
  readonly limiters: Limiter[] = [];
  override limiter(spec: LimiterSpec): Limiter {
    const limiter = super.limiter(spec);
    this.limiters.push(limiter);
    return limiter;
  }
}

/**
 * Rate memory store with up to `max` keys. rate-limiter-flexible deletes each key by timer when its window
 * ends (by the machine clock), so the growth run uses a 60 s window and eviction is measured apart: a batch
 * of keys with a 1 s window, then the heap and a sample of keys once the window has passed.
 */
export async function rateKeyScaling(checkpoints: readonly number[], gc: () => void): Promise<KeyScaling> {
  const grow = paymentRunner([rateGate()]);
  const { points } = await growKeys(grow, checkpoints, gc);

  const evictKeys = 100_000;
  const store = new ObservedRateStore();
  const short = paymentRunner([
    rateGate({ store, limits: { key: rateKey('tenant', 'actor'), points: 1_000, durationMs: 1_000 } }),
  ]);
  const base = heapUsed(gc);
  const context: CallContext = { ...CONTEXT };
  for (let i = 0; i < evictKeys; i++) {
    context.actor = `agent:${i}`;
    expectExecuted(await short.call('send_money', ARGS, context));
  }
  const held = heapUsed(gc) - base;
  const sample = async () => {
    let live = 0;
    for (let i = 0; i < evictKeys; i += 1_000) {
      if (await store.limiters[0]!.get(`acme:${encodeURIComponent(`agent:${i}`)}`)) live++;
    }
    return live;
  };
  const liveBefore = await sample();
  await sleep(1_500);
  const liveAfter = await sample();
  const after = heapUsed(gc) - base;
  return {
    id: 'scaling.keys.rate',
    label: 'rate gate, memory store (rate-limiter-flexible RateLimiterMemory), one key per actor',
    points,
    eviction:
      `${evictKeys.toLocaleString('en')} keys with a 1 s window held ${mib(held)} MiB of heap; ` +
      `1.5 s after the last call, ${liveAfter} of 100 sampled keys were still counted (${liveBefore} before) ` +
      `and the heap growth was ${mib(after)} MiB (per-key timers delete each key when its window ends).`,
  };
}

/**
 * Budget memory store with up to `max` ledgers on an injected clock: the growth run uses a daily window;
 * eviction moves the clock past the window and the sweep interval, makes one call (which sweeps), and reads
 * the store's size and the heap.
 */
export async function budgetKeyScaling(checkpoints: readonly number[], gc: () => void): Promise<KeyScaling> {
  const clock = manualClock();
  const store = new MemoryBudgetStore();
  const runner = paymentRunner([budgetGate({ store })], { clock });
  const { points, base } = await growKeys(runner, checkpoints, gc);
  const before = store.size;
  clock.set(clock.now() + 86_400_000 + 60_000);
  const t0 = performance.now();
  expectExecuted(await runner.call('send_money', ARGS, { ...CONTEXT, actor: 'agent:after-sweep' }));
  const sweepMs = performance.now() - t0;
  const after = heapUsed(gc) - base;
  return {
    id: 'scaling.keys.budget',
    label: 'budget gate, memory store (MemoryBudgetStore), daily window, one ledger per actor',
    points,
    eviction:
      `after the window ended, the next call swept ${before.toLocaleString('en')} ledgers down to ${store.size} ` +
      `(that call took ${sweepMs.toFixed(0)} ms, the sweep included); heap growth fell to ${mib(after)} MiB.`,
  };
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}
