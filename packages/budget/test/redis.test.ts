import { useTestRedis } from '@tollgate/test-utils';
import { describe, expect, it } from 'vitest';
import { BudgetGate, RedisBudgetStore } from '../src/index.js';
import { budgetGateSuite } from './gate-suite.js';
import { budgetData, manualClock, refundTool, runnerWith } from './helpers.js';

const { redis, prefix } = await useTestRedis('budget');

describe.skipIf(!redis)('BudgetGate on RedisBudgetStore', () => {
  budgetGateSuite((options) => new RedisBudgetStore({ redis: redis!, prefix: prefix(), time: 'caller', ...options }));
});

describe.skipIf(!redis)('RedisBudgetStore', () => {
  it('refuses amounts with more decimals than its scale instead of rounding them', async () => {
    const store = new RedisBudgetStore({ redis: redis!, prefix: prefix(), scale: 2 });
    const runner = runnerWith(new BudgetGate({ store, budgets: [{ max: '10.00' }], cost: (a) => a.amount }));
    const r = await runner.call('refund', { amount: '0.125' });
    expect(r).toMatchObject({ status: 'blocked', reason: 'invalid_amount' });
    expect(r.message).toContain('The amount 0.125 has more than 2 decimal places.');
    expect((await runner.call('refund', { amount: 0.12 })).status).toBe('executed');
  });

  it('refuses at construction a budget max or fixed cost the store cannot hold, never on every call', () => {
    const store = new RedisBudgetStore({ redis: redis!, prefix: prefix(), scale: 2 });
    expect(() => new BudgetGate({ store, budgets: [{ max: '10000000000000000.00' }], cost: '1.00' })).toThrow(
      /max of budget "lifetime" .*above the largest amount the store holds/,
    );
    expect(() => new BudgetGate({ store, budgets: [{ max: '10.00' }], cost: '0.125' })).toThrow(
      'Invalid budget cost: The cost 0.125 has more than 2 decimal places.',
    );
    expect(() => new BudgetGate({ store, budgets: [{ max: '10.00' }], cost: { estimate: '0.125' } })).toThrow(
      /more than 2 decimal places/,
    );
    const gate = new BudgetGate({ store, budgets: [{ max: '10.00' }], cost: '1.00' });
    expect(() =>
      runnerWith(gate).register({ ...refundTool, name: 'fee', gates: { budget: { cost: '0.001' } } }),
    ).toThrow(/gates.budget options at \/cost: Invalid budget cost: The cost 0.001 has more than 2 decimal places/);
    // At the default scale 6, 10,000,000,000.00 is above 2^53 millionths.
    const six = new RedisBudgetStore({ redis: redis!, prefix: prefix() });
    expect(() => new BudgetGate({ store: six, budgets: [{ max: '10000000000.00' }], cost: '1' })).toThrow(
      /above the largest amount the store holds \(9007199254.740991\)/,
    );
  });

  it('refuses amounts above 2^53 minor units and states its largest amount', async () => {
    const store = new RedisBudgetStore({ redis: redis!, prefix: prefix() });
    expect(store.maxAmount).toBe('9007199254.740991');
    const runner = runnerWith(new BudgetGate({ store, budgets: [{ max: store.maxAmount }], cost: (a) => a.amount }));
    expect((await runner.call('refund', { amount: '9007199254.740991' })).status).toBe('executed');
    const r = await runner.call('refund', { amount: '9007199254.740992' });
    expect(r).toMatchObject({ reason: 'invalid_amount' });
    expect(r.message).toContain('above the largest amount the store holds (9007199254.740991)');
    expect((await runner.call('refund', { amount: '0.000001' })).reason).toBe('budget_exceeded');
  });

  it('stores integer minor units under the documented keys, which expire after their window', async () => {
    const p = prefix();
    const store = new RedisBudgetStore({ redis: redis!, prefix: p, reservationTtlMs: 60_000 });
    const gate = new BudgetGate({
      store,
      budgets: [{ name: 'hourly', max: '100', windowMs: 3_600_000, key: (ctx) => ctx.actor ?? '-' }],
      cost: { estimate: '2.5' },
    });
    let holdSeen: Record<string, string> = {};
    const runner = runnerWith(gate);
    runner.register({
      name: 'peek',
      parameters: { type: 'object' },
      handler: async () => {
        holdSeen = await redis!.hgetall(`${p}{budget:hourly:ann}`);
      },
    });
    await runner.call('peek', {}, { actor: 'ann' });
    expect(holdSeen).toMatchObject({ spent: '0', held: '2500000' });
    expect(Object.keys(holdSeen).filter((f) => f.startsWith('h:'))).toHaveLength(1);
    const [hash, holds] = store.keysFor('budget:hourly:ann');
    expect(hash).toBe(`${p}{budget:hourly:ann}`);
    expect(holds).toBe(`${hash}:holds`);
    const after = await redis!.hgetall(hash);
    expect(after).toEqual({ w: expect.stringMatching(/^\d+$/), spent: '2500000', held: '0' });
    expect(Number(after.w) % 3_600_000).toBe(0);
    const ttl = await redis!.pttl(hash);
    expect(ttl).toBeGreaterThan(60_000);
    expect(ttl).toBeLessThanOrEqual(3_600_000 + 60_000);
    expect(await redis!.exists(holds)).toBe(0);
  });

  it('gives every windowed ledger a refused reserve touched an expiry, so refused keys do not pile up', async () => {
    const p = prefix();
    const store = new RedisBudgetStore({ redis: redis!, prefix: p, reservationTtlMs: 60_000 });
    const gate = new BudgetGate({
      store,
      budgets: [
        { name: 'daily', max: '100', windowMs: 86_400_000, key: (ctx) => ctx.actor ?? '-' },
        { name: 'hourly', max: '5', windowMs: 3_600_000, key: (ctx) => ctx.actor ?? '-' },
      ],
      cost: (a) => a.amount,
    });
    const r = await runnerWith(gate).call('refund', { amount: '50' }, { actor: 'new-actor' });
    expect(r.reason).toBe('budget_exceeded');
    for (const name of ['daily', 'hourly']) {
      const [hash] = store.keysFor(`budget:${name}:new-actor`);
      const ttl = await redis!.pttl(hash);
      // -2: never written; otherwise it must expire (-1 would be a key kept forever).
      expect(ttl === -2 || ttl > 0).toBe(true);
    }
  });

  it("uses the Redis server's clock by default, whatever the caller's clock says", async () => {
    const store = new RedisBudgetStore({ redis: redis!, prefix: prefix() });
    const clock = manualClock(0);
    const runner = runnerWith(new BudgetGate({ store, budgets: [{ max: '1', windowMs: 60_000 }], cost: '1' }), {
      clock,
    });
    const first = await runner.call('refund', {});
    const [seconds] = await redis!.time();
    const start = Number(budgetData(first)?.windowStart);
    expect(Math.abs(start - Number(seconds) * 1000)).toBeLessThanOrEqual(60_000 + 1_000);
    clock.t = 10 * 60_000;
    expect((await runner.call('refund', {})).reason).toBe('budget_exceeded');
  });
});
