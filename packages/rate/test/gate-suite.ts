import fc from 'fast-check';
import { expect, it } from 'vitest';
import { RateGate, RateReason, type RateStore, rateKey } from '../src/index.js';
import { countingTool, runnerWith, SpyStore } from './helpers.js';

/**
 * The gate's behaviour, the same for every store: run once per backend so memory and Redis are held to one
 * standard. `makeStore` builds a fresh, empty store (on Redis, under a prefix of its own).
 */
export function rateGateSuite(makeStore: () => RateStore): void {
  const spy = () => new SpyStore(makeStore());

  it('every limit must pass, keyed by context; a refusal by limit 2 gives limit 1 its point back', async () => {
    const store = spy();
    const gate = new RateGate({
      store,
      limits: [
        { name: 'per-actor', key: rateKey('actor'), points: 2, durationMs: 60_000 },
        { name: 'global', points: 3, durationMs: 60_000 },
      ],
    });
    const { tool } = countingTool();
    const runner = runnerWith([gate], [tool]);
    expect((await runner.call('send_money', {}, { actor: 'alice' })).status).toBe('executed');
    expect((await runner.call('send_money', {}, { actor: 'alice' })).status).toBe('executed');
    const alice3 = await runner.call('send_money', {}, { actor: 'alice' });
    expect(alice3.reason).toBe('rate_limited');
    expect(alice3.message).toContain('"per-actor"');
    expect((await runner.call('send_money', {}, { actor: 'bob' })).status).toBe('executed');
    // Global is full now: bob's per-actor point taken first must come back.
    const bob2 = await runner.call('send_money', {}, { actor: 'bob' });
    expect(bob2.reason).toBe('rate_limited');
    expect(bob2.decisions.find((d) => d.gate === 'rate')?.data).toMatchObject({ limit: 'global', store: store.kind });
    expect(await store.consumed('rate:per-actor', 'bob')).toBe(1);
    expect(await store.consumed('rate:global')).toBe(3);
  });

  it('a refused attempt is not charged: the counter stays at the limit', async () => {
    const store = spy();
    const { tool } = countingTool();
    const runner = runnerWith([new RateGate({ store, limits: { points: 2, durationMs: 60_000 } })], [tool]);
    expect((await runner.call('send_money', {})).status).toBe('executed');
    expect((await runner.call('send_money', {})).status).toBe('executed');
    for (let i = 0; i < 5; i++) expect((await runner.call('send_money', {})).reason).toBe('rate_limited');
    expect(await store.consumed('rate:limit-0')).toBe(2);
  });

  it('cost as a function of the args; per-tool cost and limits override the gate', async () => {
    const store = spy();
    const gate = new RateGate({ store, limits: { name: 'all', points: 10, durationMs: 60_000 } });
    const bulk = countingTool('bulk_email', { gates: { rate: { cost: (args: { n: number }) => args.n } } });
    const pay = countingTool('send_money', {
      gates: { rate: { limits: [{ name: 'pay', key: rateKey('actor'), points: 1, durationMs: 60_000 }] } },
    });
    const runner = runnerWith([gate], [bulk.tool, pay.tool]);
    expect((await runner.call('bulk_email', { n: 7 })).status).toBe('executed');
    expect(await store.consumed('rate:all')).toBe(7);
    const tooMany = await runner.call('bulk_email', { n: 4 });
    expect(tooMany.reason).toBe('rate_limited');
    expect(tooMany.message).toMatch(
      /^Rate limit "all" reached for bulk_email: 10 points per 60 s \(this call costs 4\)\. Retry in \d+ s\.$/,
    );
    expect((await runner.call('bulk_email', { n: 11 })).reason).toBe(RateReason.costExceedsLimit);
    expect((await runner.call('bulk_email', { n: -1 })).reason).toBe(RateReason.invalidCost);
    expect((await runner.call('send_money', {}, { actor: 'a' })).status).toBe('executed');
    const second = await runner.call('send_money', {}, { actor: 'a' });
    expect(second.reason).toBe('rate_limited');
    expect(second.retryAfterMs).toBeGreaterThan(0);
    expect(await store.consumed('rate@send_money:pay', 'a')).toBe(1);
    expect(await store.consumed('rate:all')).toBe(8);
  });

  it('a later gate blocks: the point is given back', async () => {
    const store = spy();
    const { tool, calls } = countingTool();
    const runner = runnerWith([new RateGate({ store, limits: { points: 1, durationMs: 60_000 } })], [tool]);
    for (let i = 0; i < 3; i++) expect((await runner.call('send_money', { deny: true })).reason).toBe('denied_by_rule');
    expect(await store.consumed('rate:limit-0')).toBe(0);
    expect((await runner.call('send_money', {})).status).toBe('executed');
    expect(calls.executed).toBe(1);
  });

  it('handler throws: the point is given back; with chargeOnError it is kept', async () => {
    const store = spy();
    const free = countingTool('free');
    const charged = countingTool('charged', { chargeOnError: true });
    const gate = new RateGate({ store, limits: { key: rateKey('tool'), points: 1, durationMs: 60_000 } });
    const runner = runnerWith([gate], [free.tool, charged.tool]);
    expect((await runner.call('free', { fail: true })).status).toBe('tool_error');
    expect(await store.consumed('rate:limit-0', 'free')).toBe(0);
    expect((await runner.call('free', {})).status).toBe('executed');
    expect((await runner.call('charged', { fail: true })).status).toBe('tool_error');
    expect(await store.consumed('rate:limit-0', 'charged')).toBe(1);
    expect((await runner.call('charged', {})).reason).toBe('rate_limited');
  });

  it('1,000 concurrent calls against a limit of 100 execute exactly 100', async () => {
    const store = spy();
    const { tool, calls } = countingTool();
    const runner = runnerWith([new RateGate({ store, limits: { points: 100, durationMs: 60_000 } })], [tool]);
    const results = await Promise.all(Array.from({ length: 1000 }, () => runner.call('send_money', {})));
    expect(calls.executed).toBe(100);
    expect(results.filter((r) => r.status === 'executed')).toHaveLength(100);
    expect(results.filter((r) => r.reason === 'rate_limited')).toHaveLength(900);
    expect(await store.consumed('rate:limit-0')).toBe(100);
  });

  it('dry run consumes nothing and reports what would happen', async () => {
    const store = spy();
    const { tool, calls } = countingTool();
    const runner = runnerWith([new RateGate({ store, limits: { points: 1, durationMs: 60_000 } })], [tool]);
    for (let i = 0; i < 5; i++) expect((await runner.check('send_money', {})).status).toBe('allowed');
    expect(await store.consumed('rate:limit-0')).toBe(0);
    expect((await runner.call('send_money', {})).status).toBe('executed');
    const dry = await runner.check('send_money', {});
    expect(dry.reason).toBe('rate_limited');
    expect(dry.retryAfterMs).toBeGreaterThan(0);
    expect(await store.consumed('rate:limit-0')).toBe(1);
    expect(calls.executed).toBe(1);
  });

  it('property: whatever the mix of allowed, later-blocked and failing calls, points = executed calls', async () => {
    const outcome = fc.constantFrom('ok', 'deny', 'fail', 'fail-charged');
    await fc.assert(
      fc.asyncProperty(
        fc.array(outcome, { maxLength: 40 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 3 }),
        async (steps, points, cost) => {
          const store = spy();
          const gate = new RateGate({ store, cost, limits: { points: Math.max(points, cost), durationMs: 60_000 } });
          const ok = countingTool('ok');
          const charged = countingTool('charged', { chargeOnError: true });
          const runner = runnerWith([gate], [ok.tool, charged.tool]);
          let charges = 0;
          await Promise.all(
            steps.map(async (step) => {
              const r =
                step === 'fail-charged'
                  ? await runner.call('charged', { fail: true })
                  : await runner.call('ok', { deny: step === 'deny', fail: step === 'fail' });
              if (r.status === 'executed' || (r.status === 'tool_error' && step === 'fail-charged')) charges++;
            }),
          );
          const consumed = await store.consumed('rate:limit-0');
          expect(consumed).toBe(charges * cost);
          expect(consumed).toBeLessThanOrEqual(Math.max(points, cost));
        },
      ),
      { numRuns: 60 },
    );
  }, 60_000);
}
