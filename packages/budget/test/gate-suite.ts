import { Decimal } from 'decimal.js';
import { expect, it } from 'vitest';
import { BudgetGate, type BudgetSettleEvent, type BudgetStore } from '../src/index.js';
import { budgetData, ledger, manualClock, runnerWith, todayUtc } from './helpers.js';

/** Options every backend under test takes. */
export interface StoreFactoryOptions {
  reservationTtlMs?: number;
}

/**
 * The gate's behaviour, the same for every store: run once per backend so memory and Redis are held to
 * one standard. `makeStore` builds a fresh, empty store whose time is the `now` the gate passes.
 */
export function budgetGateSuite(makeStore: (options?: StoreFactoryOptions) => BudgetStore): void {
  it('admits exactly 500 of 1,000 concurrent 0.10 refunds against 50.00, sent as the JSON number 0.1', async () => {
    const store = makeStore();
    const clock = manualClock();
    const gate = new BudgetGate({ store, budgets: [{ name: 'refunds', max: '50.00' }], cost: (args) => args.amount });
    const runner = runnerWith(gate, { clock });
    const results = await Promise.all(Array.from({ length: 1000 }, () => runner.call('refund', '{"amount":0.1}')));
    expect(results.filter((r) => r.status === 'executed')).toHaveLength(500);
    const blocked = results.filter((r) => r.status === 'blocked');
    expect(blocked).toHaveLength(500);
    expect(new Set(blocked.map((r) => r.reason))).toEqual(new Set(['budget_exceeded']));
    const after = await runner.check('refund', { amount: '0.00' });
    expect(budgetData(after)).toMatchObject({ spent: '50.00', held: '0.00', remaining: '0.00', max: '50.00' });
  });

  it('explains a block to the model and carries decimal strings in its data', async () => {
    const store = makeStore();
    const gate = new BudgetGate({
      store,
      budgets: [{ name: 'refunds', max: '100.00', label: 'Budget for refunds', key: (ctx) => ctx.actor ?? '-' }],
      cost: (args) => args.amount,
    });
    const runner = runnerWith(gate, { clock: manualClock() });
    expect((await runner.call('refund', { amount: '87.5' }, { actor: 'ann' })).status).toBe('executed');
    const r = await runner.call('refund', { amount: '30' }, { actor: 'ann' });
    expect(r).toMatchObject({ status: 'blocked', blockedBy: 'budget', reason: 'budget_exceeded' });
    expect(r.message).toMatch(/^Budget for refunds exceeded: requested 30\.00, remaining 12\.50 of 100\.00\./);
    expect(budgetData(r)).toEqual({
      budget: 'refunds',
      key: 'budget:refunds:ann',
      spent: '87.50',
      held: '0.00',
      requested: '30.00',
      remaining: '12.50',
      max: '100.00',
      window: 'lifetime',
    });
    // Another actor has a ledger of its own.
    expect((await runner.call('refund', { amount: '30' }, { actor: 'bob' })).status).toBe('executed');
  });

  it('gives the spend back when a later gate blocks', async () => {
    const store = makeStore();
    const gate = new BudgetGate({ store, budgets: [{ max: '1.00' }], cost: '0.40' });
    const runner = runnerWith(gate, { clock: manualClock() });
    for (let i = 0; i < 5; i++) {
      const r = await runner.call('refund', { block: true });
      expect(r).toMatchObject({ status: 'blocked', blockedBy: 'policy' });
    }
    expect(await ledger(store, 'budget:lifetime:*', '1', 0)).toMatchObject({ spent: '0', held: '0' });
    const ran = await Promise.all([1, 2, 3].map(() => runner.call('refund', {})));
    expect(ran.map((r) => r.status).sort()).toEqual(['blocked', 'executed', 'executed']);
  });

  it('releases the hold when the handler throws, and charges it with chargeOnError', async () => {
    const store = makeStore();
    const gate = new BudgetGate({ store, budgets: [{ max: '10' }], cost: (args) => args.amount });
    const free = runnerWith(gate, { clock: manualClock() });
    expect((await free.call('refund', { amount: '4', fail: true })).status).toBe('tool_error');
    expect(await ledger(store, 'budget:lifetime:*', '10', 0)).toMatchObject({ spent: '0', held: '0' });
    const charging = runnerWith(gate, { clock: manualClock(), chargeOnError: true });
    expect((await charging.call('refund', { amount: '4', fail: true })).status).toBe('tool_error');
    expect(await ledger(store, 'budget:lifetime:*', '10', 0)).toMatchObject({ spent: '4', held: '0' });
  });

  it('reserves an estimate and commits the actual cost the handler reports', async () => {
    const store = makeStore();
    const events: BudgetSettleEvent[] = [];
    const gate = new BudgetGate({
      store,
      budgets: [{ max: '100.00' }],
      cost: { estimate: '10.00' },
      onSettle: (e) => events.push(e),
    });
    const runner = runnerWith(gate, { clock: manualClock() });
    const under = await runner.call('refund', { actual: '7.25' });
    expect(under.status).toBe('executed');
    expect(under.warnings).toBeUndefined();
    expect(await ledger(store, 'budget:lifetime:*', '100', 0)).toMatchObject({ spent: '7.25', held: '0' });

    const over = await runner.call('refund', { actual: '12.50' });
    expect(over.status).toBe('executed');
    expect(over.warnings?.join()).toMatch(/actual cost 12\.5 is above the estimate 10/);
    // The commit leaves without delaying the result; flush() waits for it and its onSettle.
    await runner.flush();
    expect(events.at(-1)).toMatchObject({ reserved: '10', charged: '12.5', overEstimate: true });

    expect((await runner.call('refund', {})).status).toBe('executed');
    await runner.flush();
    expect(events.at(-1)).toMatchObject({ reserved: '10', charged: '10', overEstimate: false });

    const bad = await runner.call('refund', { actual: 'twelve' });
    expect(bad.warnings?.join()).toMatch(/reported cost must be a decimal number.*estimate 10 was charged/);
    expect(await ledger(store, 'budget:lifetime:*', '100', 0)).toMatchObject({ spent: '39.75', held: '0' });
  });

  it('resets a fixed window on the injected clock and says when', async () => {
    const store = makeStore();
    const day = 86_400_000;
    const today = todayUtc();
    const clock = manualClock(today + 10 * 3_600_000);
    const gate = new BudgetGate({ store, budgets: [{ name: 'daily', max: '1.00', windowMs: day }], cost: '0.60' });
    const runner = runnerWith(gate, { clock });
    expect((await runner.call('refund', {})).status).toBe('executed');
    clock.t += 3_600_000;
    const blocked = await runner.call('refund', {});
    expect(blocked.reason).toBe('budget_exceeded');
    expect(blocked.retryAfterMs).toBe(13 * 3_600_000);
    expect(blocked.message).toContain('It resets in 13 h');
    expect(budgetData(blocked)).toMatchObject({
      window: day,
      windowStart: today,
      resetsAt: today + day,
      spent: '0.60',
    });
    clock.t = today + day;
    const next = await runner.call('refund', {});
    expect(next.status).toBe('executed');
    expect(budgetData(next)).toMatchObject({ spent: '0.00', remaining: '0.40' });
  });

  it('requires every budget to pass and holds nothing when one refuses', async () => {
    const store = makeStore();
    const gate = new BudgetGate({
      store,
      budgets: [
        { name: 'per-actor', max: '1.00', key: (ctx) => ctx.actor ?? '-' },
        { name: 'team', max: '1.50' },
      ],
      cost: (args) => args.amount,
    });
    const runner = runnerWith(gate, { clock: manualClock() });
    const first = await runner.call('refund', { amount: '0.90' }, { actor: 'ann' });
    expect(budgetData(first)).toMatchObject({ budget: 'per-actor', remaining: '0.10' });
    expect(budgetData(first)?.budgets).toHaveLength(2);
    const second = await runner.call('refund', { amount: '0.70' }, { actor: 'bob' });
    expect(second).toMatchObject({ reason: 'budget_exceeded' });
    expect(budgetData(second)).toMatchObject({ budget: 'team', remaining: '0.60' });
    expect(await ledger(store, 'budget:per-actor:bob', '1', 0)).toMatchObject({ spent: '0', held: '0' });
    expect((await runner.call('refund', { amount: '0.60' }, { actor: 'bob' })).status).toBe('executed');
  });

  it('takes cost and budgets from the tool options', async () => {
    const store = makeStore();
    const gate = new BudgetGate({ store, budgets: [{ max: '1000' }], cost: '1' });
    const runner = runnerWith(gate, { clock: manualClock() });
    runner.register({
      name: 'wire',
      parameters: { type: 'object', properties: { amount: { type: 'string' } } },
      gates: { budget: { cost: (args: { amount: string }) => args.amount, budgets: [{ name: 'wires', max: '5' }] } },
      handler: () => 'sent',
    });
    expect((await runner.call('wire', { amount: '5' })).status).toBe('executed');
    const r = await runner.call('wire', { amount: '0.01' });
    expect(budgetData(r)).toMatchObject({ budget: 'wires', key: 'budget:wires:*', spent: '5.00' });
    expect(budgetData(await runner.call('refund', {}))).toMatchObject({ budget: 'lifetime', spent: '0' });
  });

  it('blocks NaN, Infinity, negative and non-decimal amounts with invalid_amount', async () => {
    const gate = new BudgetGate({ store: makeStore(), budgets: [{ max: '10' }], cost: (args) => args.amount });
    const runner = runnerWith(gate, { clock: manualClock() });
    const numeric = new BudgetGate({
      name: 'numeric',
      store: makeStore(),
      budgets: [{ max: '10' }],
      cost: (args) => Number(args.amount),
    });
    const numericRunner = runnerWith(numeric, { clock: manualClock() });
    for (const [r, pattern] of [
      [await runner.call('refund', { amount: '-1' }), /must not be negative/],
      [await runner.call('refund', { amount: '1e3' }), /decimal number such as "12.50"/],
      [await runner.call('refund', { amount: '0x10' }), /decimal number/],
      [await runner.call('refund', {}), /got undefined/],
      [await runner.call('refund', { amount: -0.5 }), /must not be negative/],
      [await numericRunner.call('refund', { amount: 'ten' }), /finite number, got NaN/],
      [await numericRunner.call('refund', { amount: '1e999' }), /finite number, got Infinity/],
    ] as const) {
      expect(r).toMatchObject({ status: 'blocked', reason: 'invalid_amount' });
      expect(r.message).toMatch(pattern);
    }
  });

  it('reserves nothing on a dry run', async () => {
    const store = makeStore();
    const gate = new BudgetGate({ store, budgets: [{ max: '1' }], cost: '1' });
    const runner = runnerWith(gate, { clock: manualClock() });
    for (let i = 0; i < 3; i++) expect((await runner.check('refund', {})).status).toBe('allowed');
    expect((await runner.call('refund', {})).status).toBe('executed');
    const dry = await runner.check('refund', {});
    expect(dry).toMatchObject({ status: 'blocked', reason: 'budget_exceeded', dryRun: true });
  });

  it('frees a hold that is never settled once its TTL passes, and charges a late commit anyway', async () => {
    const store = makeStore({ reservationTtlMs: 1_000 });
    const line = { key: 'orphan', max: '1', amount: '1' };
    expect((await store.reserve('r1', [line], 10_000)).ok).toBe(true);
    expect((await store.reserve('r2', [line], 10_500)).ok).toBe(false);
    expect((await store.reserve('r3', [line], 11_000)).ok).toBe(true);
    const [late] = await store.commit('r1', [{ key: 'orphan', amount: '0.25' }], 11_100);
    expect(late).toMatchObject({ late: true, spent: '0.25', held: '1' });
    const [onTime] = await store.commit('r3', [{ key: 'orphan', amount: '0.5' }], 11_200);
    expect(onTime).toMatchObject({ late: false, spent: '0.75', held: '0' });
  });

  it('keeps money exact over many odd amounts', async () => {
    const store = makeStore();
    const gate = new BudgetGate({ store, budgets: [{ max: '1000000' }], cost: (args) => args.amount });
    const runner = runnerWith(gate, { clock: manualClock() });
    // Odd calls send strings with three decimals, even ones JSON numbers such as 0.07 or 13.93.
    const amounts = Array.from({ length: 200 }, (_, i) =>
      i % 2 ? (i * 0.01 + 0.003).toFixed(3) : Number((i * 0.07).toFixed(2)),
    );
    await Promise.all(amounts.map((amount) => runner.call('refund', { amount })));
    const sum = amounts.reduce<Decimal>((s, a) => s.plus(String(a)), new Decimal(0));
    expect((await ledger(store, 'budget:lifetime:*', '1000000', 0)).spent).toBe(sum.toFixed());
  });

  it('sends the commit without delaying the result, retries it when the store fails, and flush() waits', async () => {
    const store = makeStore();
    let failures = 2;
    const flaky: BudgetStore = Object.assign(Object.create(store) as BudgetStore, {
      commit: (...args: Parameters<BudgetStore['commit']>) =>
        failures-- > 0 ? Promise.reject(new Error('connection lost')) : store.commit(...args),
    });
    const events: BudgetSettleEvent[] = [];
    const gate = new BudgetGate({ store: flaky, budgets: [{ max: '10' }], cost: '2', onSettle: (e) => events.push(e) });
    const runner = runnerWith(gate, { clock: manualClock() });
    const r = await runner.call('refund', {});
    expect(r.status).toBe('executed');
    expect(r.warnings).toBeUndefined();
    await runner.flush();
    expect(events).toHaveLength(1);
    expect(events[0]!.error).toBeUndefined();
    expect(await ledger(store, 'budget:lifetime:*', '10', 0)).toMatchObject({ spent: '2', held: '0' });
  });

  it('charges a retried commit once, even when the first attempt applied', async () => {
    const store = makeStore();
    const line = { key: 'retried', max: '10', amount: '3' };
    const now = todayUtc();
    await store.reserve('r1', [line], now);
    await store.commit('r1', [line], now);
    // The answer to the first attempt was lost (a timeout): the retry finds the hold gone and charges nothing.
    const [again] = await store.commit('r1', [line], now, true);
    expect(again).toMatchObject({ spent: '3', held: '0', late: true });
  });

  it('reports a commit that never reaches the store to onSettle, charging nothing', async () => {
    const store = makeStore();
    const down: BudgetStore = Object.assign(Object.create(store) as BudgetStore, {
      commit: () => Promise.reject(new Error('down')),
    });
    const events: BudgetSettleEvent[] = [];
    const gate = new BudgetGate({
      store: down,
      budgets: [{ max: '10' }],
      cost: '2',
      commitRetryMs: 0,
      onSettle: (e) => events.push(e),
    });
    const runner = runnerWith(gate, { clock: manualClock() });
    expect((await runner.call('refund', {})).status).toBe('executed');
    await runner.flush();
    expect(events[0]!.error).toMatch(/the commit did not reach the budget store: down/);
    expect(await ledger(store, 'budget:lifetime:*', '10', 0)).toMatchObject({ spent: '0', held: '2' });
  });
}
