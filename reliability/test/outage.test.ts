import { randomUUID } from 'node:crypto';
import { BudgetGate, RedisBudgetStore } from '@tollgate/budget';
import { GatedToolRunner, type GateResult } from '@tollgate/core';
import { RateGate, RedisRateStore } from '@tollgate/rate';
import { describe, expect, it } from 'vitest';
import { until, useDedicatedRedis, within } from './support.js';

const suite = useDedicatedRedis();

/** A runner with a Redis rate limit on `limited` and a Redis budget on `spend`, both fail-closed. */
function outageRunner(prefix: string): GatedToolRunner {
  const rate = new RateGate({
    store: new RedisRateStore({ redis: suite.client, prefix: `${prefix}rate:` }),
    limits: { points: 1_000_000, durationMs: 3_600_000 },
  });
  const budget = new BudgetGate({
    store: new RedisBudgetStore({ redis: suite.client, prefix: `${prefix}budget:` }),
    budgets: [{ max: '1000000.00' }],
    cost: '0.01',
  });
  return new GatedToolRunner({
    tools: [
      { name: 'limited', parameters: { type: 'object' }, use: [rate], handler: () => 'ok' },
      { name: 'spend', parameters: { type: 'object' }, use: [budget], handler: () => 'ok' },
    ],
  });
}

/**
 * Makes `count` calls to both tools, `inFlight` at a time; a throw out of call() is collected, not lost.
 * `onResult` sees how many results have come back so far.
 */
async function hammer(runner: GatedToolRunner, count: number, inFlight: number, onResult?: (n: number) => void) {
  const results: GateResult[] = [];
  const thrown: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const tool = next++ % 2 === 0 ? 'limited' : 'spend';
      try {
        results.push(await runner.call(tool, {}));
      } catch (err) {
        thrown.push(err);
      }
      onResult?.(results.length + thrown.length);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { results, thrown };
}

describe.skipIf(!suite.available)('Redis dies in the middle of a run and comes back', () => {
  it('fails closed with store_unavailable, never throws or hangs, and passes again after the restart', async () => {
    const runner = outageRunner(`rel:${randomUUID().slice(0, 8)}:`);
    const before = await hammer(runner, 200, 20);
    expect(before.thrown).toEqual([]);
    expect(before.results.every((r) => r.status === 'executed')).toBe(true);

    // Kill Redis while calls are in flight: once 50 of the 2,000 have come back, whatever the machine's speed.
    let killed: Promise<void> | undefined;
    const during = hammer(runner, 2_000, 20, (n) => {
      if (n >= 50) killed ??= suite.server.stop();
    });
    const { results, thrown } = await within(30_000, 'calls during the outage', during);
    await killed;
    expect(thrown).toEqual([]);
    // Calls that got in before the kill ran; every other one was refused by its gate as store_unavailable.
    for (const r of results) {
      if (r.status === 'executed') continue;
      expect(r).toMatchObject({ status: 'blocked', reason: 'store_unavailable' });
      expect(r.blockedBy).toBe(r.tool === 'limited' ? 'rate' : 'budget');
    }
    const refused = results.filter((r) => r.status === 'blocked');
    expect(refused.some((r) => r.tool === 'limited')).toBe(true);
    expect(refused.some((r) => r.tool === 'spend')).toBe(true);

    // While it is down, a call is an answer, not a wait.
    const down = await within(10_000, 'a call while Redis is down', runner.call('spend', {}));
    expect(down).toMatchObject({ status: 'blocked', reason: 'store_unavailable' });

    await suite.server.start();
    const restartedAt = Date.now();
    await until(20_000, 'both tools run again after the restart', async () => {
      const [l, s] = await Promise.all([runner.call('limited', {}), runner.call('spend', {})]);
      return l.status === 'executed' && s.status === 'executed';
    });
    // For docs/reliability.md: what this run saw (printed, never asserted on).
    const count = (tool: string, status: string) =>
      results.filter((r) => r.tool === tool && r.status === status).length;
    console.log(
      `[reliability] outage: of 2,000 calls (Redis killed once 50 were back), limited ${count('limited', 'executed')} ran / ` +
        `${count('limited', 'blocked')} store_unavailable, spend ${count('spend', 'executed')} ran / ` +
        `${count('spend', 'blocked')} store_unavailable, ${results.filter((r) => r.warnings).length} with warnings; ` +
        `calls ran again ${Date.now() - restartedAt} ms after the restart`,
    );
    const after = await hammer(runner, 200, 20);
    expect(after.thrown).toEqual([]);
    expect(after.results.every((r) => r.status === 'executed')).toBe(true);
  });
});
