import { fileURLToPath } from 'node:url';
import { connectTestRedis, deletePrefix, REDIS_URL, testPrefix } from '@tollgate/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisBudgetStore } from '../src/index.js';
import { ledger } from './helpers.js';
import { runNode, startNode, waitForLine } from './spawn.js';

const redis = await connectTestRedis();
afterAll(() => redis?.disconnect());

describe.skipIf(!redis)('several processes on one Redis budget', () => {
  it('admits exactly what the budget allows across two processes of 5,000 calls each', async () => {
    const prefix = testPrefix('budget-procs');
    try {
      const env = { REDIS_URL, PREFIX: prefix, MAX: '612.30', CALLS: '5000' };
      const outputs = await Promise.all([1, 2].map(() => runNode('test/fixtures/spend-worker.ts', env)));
      const counts = outputs.map((o) => JSON.parse(o) as Record<string, number>);
      const executed = counts.reduce((n, c) => n + (c.executed ?? 0), 0);
      const blocked = counts.reduce((n, c) => n + (c.budget_exceeded ?? 0), 0);
      expect(executed).toBe(6123);
      expect(blocked).toBe(10_000 - 6123);
      const store = new RedisBudgetStore({ redis: redis!, prefix });
      expect(await ledger(store, 'budget:shared:*', '612.30', 0)).toMatchObject({ spent: '612.3', held: '0' });
    } finally {
      await deletePrefix(redis!, prefix);
    }
  }, 60_000);

  it('frees the hold of a process killed mid-call once its TTL passes', async () => {
    const prefix = testPrefix('budget-orphan');
    const child = startNode('test/fixtures/orphan-worker.ts', { REDIS_URL, PREFIX: prefix, TTL_MS: '1500' });
    try {
      await waitForLine(child, /^holding$/);
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      });
      const store = new RedisBudgetStore({ redis: redis!, prefix, time: 'server' });
      // The raw hash still shows the orphaned hold: only a script call sweeps it.
      expect(await redis!.hget(`${prefix}{budget:orphan:*}`, 'held')).toBe('1000000');
      let held = '1';
      for (let i = 0; i < 200 && held !== '0'; i++) {
        held = (await ledger(store, 'budget:orphan:*', '1', 0)).held;
        if (held !== '0') await new Promise((r) => setTimeout(r, 50));
      }
      expect(held).toBe('0');
      expect((await store.reserve('next', [{ key: 'budget:orphan:*', max: '1', amount: '1' }], 0)).ok).toBe(true);
    } finally {
      child.kill('SIGKILL');
      await deletePrefix(redis!, prefix);
    }
  }, 30_000);

  it('runs the shared-budget example from the repository root', async () => {
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const out = await runNode('packages/budget/examples/shared-budget.ts', { REDIS_URL }, root);
    expect(out).toMatch(/combined: 250 refunds executed of 400 attempted/);
    expect(out).toMatch(/spent 25\.00 of 25\.00/);
  }, 30_000);
});
