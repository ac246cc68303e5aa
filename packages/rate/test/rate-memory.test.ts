import { GatedToolRunner } from '@tollgate/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryRateStore, RateGate, RateReason, rateKey } from '../src/index.js';
import { countingTool, runnerWith, SpyStore } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('RateGate windows (memory, Date faked for rate-limiter-flexible)', () => {
  it('allows points per window, blocks with rate_limited and an exact retryAfterMs, opens again after the window', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const { tool, calls } = countingTool();
    const runner = runnerWith([new RateGate({ limits: { points: 3, durationMs: 60_000 } })], [tool], {
      clock: { now: () => Date.now() },
    });
    for (let i = 0; i < 3; i++) expect((await runner.call('send_money', {})).status).toBe('executed');
    vi.setSystemTime(1_000_000 + 48_000);
    const blocked = await runner.call('send_money', {});
    expect(blocked.status).toBe('blocked');
    expect(blocked.reason).toBe(RateReason.rateLimited);
    expect(blocked.blockedBy).toBe('rate');
    expect(blocked.retryAfterMs).toBe(12_000);
    expect(blocked.message).toBe('Rate limit reached for send_money: 3 calls per 60 s. Retry in 12 s.');
    vi.setSystemTime(1_000_000 + 60_001);
    expect((await runner.call('send_money', {})).status).toBe('executed');
    expect(calls.executed).toBe(4);
  });

  it('blockDurationMs: once refused, the key stays blocked for the penalty, past the window', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(2_000_000);
    const { tool, calls } = countingTool();
    const gate = new RateGate({ limits: { points: 1, durationMs: 60_000, blockDurationMs: 300_000 } });
    const runner = runnerWith([gate], [tool]);
    expect((await runner.call('send_money', {})).status).toBe('executed');
    const refused = await runner.call('send_money', {});
    expect(refused.retryAfterMs).toBe(300_000);
    expect(refused.message).toBe(
      'Rate limit reached for send_money: 1 call per 60 s; exceeding it blocks for 5 min. Retry in 5 min.',
    );
    vi.setSystemTime(2_000_000 + 120_000);
    expect((await runner.call('send_money', {})).reason).toBe('rate_limited');
    vi.setSystemTime(2_000_000 + 300_001);
    expect((await runner.call('send_money', {})).status).toBe('executed');
    expect(calls.executed).toBe(2);
  });

  it('every limit must pass, keyed by context; a refusal by limit 2 gives limit 1 its point back', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(5_000_000);
    const store = new SpyStore(new MemoryRateStore());
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
    expect(bob2.decisions.find((d) => d.gate === 'rate')?.data?.limit).toBe('global');
    expect(await store.consumed('rate:per-actor', 'bob')).toBe(1);
    expect(await store.consumed('rate:global')).toBe(3);
  });

  it('a refused attempt is not charged: after a release the freed point is usable', async () => {
    const store = new SpyStore(new MemoryRateStore());
    const { tool } = countingTool();
    const runner = runnerWith([new RateGate({ store, limits: { points: 2, durationMs: 60_000 } })], [tool]);
    expect((await runner.call('send_money', {})).status).toBe('executed');
    expect((await runner.call('send_money', {})).status).toBe('executed');
    for (let i = 0; i < 5; i++) expect((await runner.call('send_money', {})).reason).toBe('rate_limited');
    expect(await store.consumed('rate:limit-0')).toBe(2);
  });

  it('cost as a function of the args; per-tool cost and limits override the gate', async () => {
    const store = new SpyStore(new MemoryRateStore());
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
    expect(tooMany.message).toBe(
      'Rate limit "all" reached for bulk_email: 10 points per 60 s (this call costs 4). Retry in 60 s.',
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

  it('bad tool options throw at registration; bad gate options throw at construction', async () => {
    const { tool } = countingTool('x', { gates: { rate: { costs: 2 } } });
    expect(() => runnerWith([new RateGate({ limits: { points: 1, durationMs: 1000 } })], [tool])).toThrow(
      'unknown option costs (known: cost, limits, replaceLimits)',
    );
    expect(() => new RateGate({ limits: { points: 0, durationMs: 1000 } })).toThrow(/points/);
    expect(() => new RateGate({ limits: [] })).toThrow(/at least one/);
    expect(() => new RateGate({ limits: { points: 1, durationMs: 1000 }, cost: 1.5 })).toThrow(/cost/);
  });

  it('a later gate blocks: the point is given back', async () => {
    const store = new SpyStore(new MemoryRateStore());
    const { tool, calls } = countingTool();
    const runner = runnerWith([new RateGate({ store, limits: { points: 1, durationMs: 60_000 } })], [tool]);
    for (let i = 0; i < 3; i++) expect((await runner.call('send_money', { deny: true })).reason).toBe('denied_by_rule');
    expect(await store.consumed('rate:limit-0')).toBe(0);
    expect((await runner.call('send_money', {})).status).toBe('executed');
    expect(calls.executed).toBe(1);
  });

  it('handler throws: the point is given back; with chargeOnError it is kept', async () => {
    const store = new SpyStore(new MemoryRateStore());
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

  it('a release after the window ended gives nothing to the next window', async () => {
    let t = 0;
    const clock = { now: () => t };
    const store = new SpyStore(new MemoryRateStore());
    const slow = countingTool('slow', {
      handler: async () => {
        t += 61_000; // the runner's clock says the window ended while the handler ran
        throw new Error('timeout');
      },
    });
    const runner = runnerWith([new RateGate({ store, limits: { points: 1, durationMs: 60_000 } })], [slow.tool], {
      clock,
    });
    expect((await runner.call('slow', {})).status).toBe('tool_error');
    // Same real window in rate-limiter-flexible: the point stays, no credit appears.
    expect(await store.consumed('rate:limit-0')).toBe(1);
  });

  it('1,000 concurrent calls against a limit of 100 execute exactly 100', async () => {
    const { tool, calls } = countingTool();
    const runner = runnerWith([new RateGate({ limits: { points: 100, durationMs: 60_000 } })], [tool]);
    const results = await Promise.all(Array.from({ length: 1000 }, () => runner.call('send_money', {})));
    expect(calls.executed).toBe(100);
    expect(results.filter((r) => r.status === 'executed')).toHaveLength(100);
    expect(results.filter((r) => r.reason === 'rate_limited')).toHaveLength(900);
  });

  it('dry run consumes nothing and reports what would happen', async () => {
    const store = new SpyStore(new MemoryRateStore());
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
          const store = new SpyStore(new MemoryRateStore());
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
  });
});

describe('per-tool options at registration', () => {
  it('refuses unknown keys and bad limits when the tool is registered', () => {
    const gate = new RateGate({ limits: [{ points: 5, durationMs: 60_000 }] });
    const runner = new GatedToolRunner({ gates: [gate] });
    const tool = (name: string, rate: unknown) => ({
      name,
      parameters: { type: 'object' },
      handler: () => 1,
      gates: { rate },
    });
    expect(() => runner.register(tool('a', { costs: 2 }))).toThrow(
      'Tool "a" has invalid gates.rate options: unknown option costs (known: cost, limits, replaceLimits)',
    );
    expect(() => runner.register(tool('b', { limits: [{ points: -1, durationMs: 1000 }] }))).toThrow(
      /Tool "b" has invalid gates.rate options at \/limits: /,
    );
    expect(() => runner.register(tool('c', { cost: 2 }))).not.toThrow();
  });
});
