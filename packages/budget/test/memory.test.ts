import { GatedToolRunner } from '@tollgate/core';
import { describe, expect, it } from 'vitest';
import { BudgetGate, type BudgetStore, MemoryBudgetStore } from '../src/index.js';
import { budgetGateSuite } from './gate-suite.js';
import { manualClock, runnerWith } from './helpers.js';

describe('BudgetGate on MemoryBudgetStore', () => {
  budgetGateSuite((options) => new MemoryBudgetStore(options));
});

describe('MemoryBudgetStore', () => {
  it('evicts ledgers of idle keys once their window has passed, keeping lifetime ones', async () => {
    const store = new MemoryBudgetStore({ sweepIntervalMs: 1_000 });
    const clock = manualClock(0);
    const gate = new BudgetGate({
      store,
      budgets: [{ name: 'minute', max: '5', windowMs: 60_000, key: (ctx) => ctx.actor ?? '-' }],
      cost: '1',
    });
    const lifetime = new BudgetGate({ name: 'total', store, budgets: [{ max: '1000' }], cost: '1' });
    const runner = runnerWith(gate, { clock });
    runner.use(lifetime);
    await Promise.all(Array.from({ length: 500 }, (_, i) => runner.call('refund', {}, { actor: `user-${i}` })));
    expect(store.size).toBe(501);
    clock.t = 60_000;
    await runner.call('refund', {}, { actor: 'late' });
    expect(store.size).toBe(2);
  });

  it('spreads the periodic sweep of many idle ledgers over several calls, then evicts them all', async () => {
    const store = new MemoryBudgetStore({ sweepIntervalMs: 1_000 });
    const idle = 2_500;
    for (let i = 0; i < idle; i++) {
      const line = { key: `k${i}`, max: '5', windowMs: 60_000, amount: '1' };
      await store.reserve(`r${i}`, [line], 0);
      await store.commit(`r${i}`, [line], 0);
    }
    expect(store.size).toBe(idle);
    const peek = () => store.peek([{ key: 'other', max: '5', windowMs: 60_000, amount: '1' }], 60_000);
    await peek();
    // One call examined a slice, not every ledger.
    expect(store.size).toBeGreaterThan(0);
    expect(store.size).toBeLessThan(idle);
    for (let calls = 1; calls < 10 && store.size > 0; calls++) await peek();
    expect(store.size).toBe(0);
    // An explicit sweep still evicts everything at once.
    await store.reserve('again', [{ key: 'again', max: '5', windowMs: 60_000, amount: '1' }], 60_000);
    await store.release('again', ['again']);
    store.sweep(120_000);
    expect(store.size).toBe(0);
  });

  it('creates no ledger for dry runs', async () => {
    const store = new MemoryBudgetStore();
    const gate = new BudgetGate({ store, budgets: [{ max: '5', key: (ctx) => ctx.actor ?? '-' }], cost: '1' });
    const runner = runnerWith(gate, { clock: manualClock() });
    for (let i = 0; i < 20; i++) expect((await runner.check('refund', {}, { actor: `u${i}` })).status).toBe('allowed');
    expect(store.size).toBe(0);
  });

  it('keeps a ledger with a live hold past its window, then evicts it', async () => {
    const store = new MemoryBudgetStore({ sweepIntervalMs: 0, reservationTtlMs: 120_000 });
    await store.reserve('held', [{ key: 'k', max: '1', windowMs: 60_000, amount: '1' }], 0);
    store.sweep(60_000);
    expect(store.size).toBe(1);
    store.sweep(120_000);
    expect(store.size).toBe(0);
  });

  it('refuses a reservation TTL or sweep interval it could not keep, as RedisBudgetStore does', () => {
    // A TTL of 0 or NaN made every hold expire at once, so calls in flight were not held against the budget.
    for (const reservationTtlMs of [0, -1, 1.5, Number.NaN]) {
      expect(() => new MemoryBudgetStore({ reservationTtlMs })).toThrow(TypeError);
    }
    for (const sweepIntervalMs of [-1, Number.NaN]) {
      expect(() => new MemoryBudgetStore({ sweepIntervalMs })).toThrow(TypeError);
    }
  });

  it('rejects invalid configuration at construction', () => {
    expect(() => new BudgetGate({ budgets: [], cost: '1' })).toThrow(/at least one budget/);
    expect(() => new BudgetGate({ budgets: [{ max: 'lots' }], cost: '1' })).toThrow(/max of budget "lifetime"/);
    expect(() => new BudgetGate({ budgets: [{ max: '1', windowMs: 0.5 }], cost: '1' })).toThrow(/windowMs/);
    expect(() => new BudgetGate({ budgets: [{ max: '1' }, { max: '2' }], cost: '1' })).toThrow(/named "lifetime"/);
    expect(() => new BudgetGate({ budgets: [{ max: '1' }], cost: { estimate: Number.NaN } })).toThrow(/finite/);
  });
});

describe('BudgetGate when its store fails', () => {
  const down: BudgetStore = {
    kind: 'down',
    reserve: () => Promise.reject(new Error('connection refused')),
    peek: () => Promise.reject(new Error('connection refused')),
    commit: () => Promise.reject(new Error('connection refused')),
    release: () => Promise.reject(new Error('connection refused')),
  };

  it('blocks with store_unavailable when fail-closed (the default)', async () => {
    const runner = runnerWith(new BudgetGate({ store: down, budgets: [{ max: '1' }], cost: '1' }), {
      clock: manualClock(),
    });
    const r = await runner.call('refund', {});
    expect(r).toMatchObject({ status: 'blocked', reason: 'store_unavailable' });
    expect(r.decisions.at(-1)?.error?.message).toBe('connection refused');
  });

  it('allows and records the failure when fail-open', async () => {
    const gate = new BudgetGate({ store: down, budgets: [{ max: '1' }], cost: '1', failMode: 'open' });
    const r = await runnerWith(gate, { clock: manualClock() }).call('refund', {});
    expect(r.status).toBe('executed');
    expect(r.decisions.find((d) => d.gate === 'budget')).toMatchObject({
      outcome: 'allow',
      reason: 'store_unavailable_fail_open',
      error: { message: 'connection refused' },
    });
  });
});

describe('per-tool options at registration', () => {
  it('refuses a malformed cost when the tool is registered', () => {
    const gate = new BudgetGate({ budgets: [{ max: '10.00' }], cost: '1.00' });
    const runner = new GatedToolRunner({ gates: [gate] });
    const tool = (cost: unknown) => ({
      name: `t${String(cost)}`,
      parameters: { type: 'object' },
      handler: () => 1,
      gates: { budget: { cost } },
    });
    expect(() => runner.register(tool('abc'))).toThrow(
      /Tool "tabc" has invalid gates.budget options at \/cost: Invalid budget cost/,
    );
    expect(() => runner.register(tool('2.50'))).not.toThrow();
  });
});
