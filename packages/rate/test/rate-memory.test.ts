import { GatedToolRunner } from '@tollgate/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryRateStore, RateGate, RateReason } from '../src/index.js';
import { rateGateSuite } from './gate-suite.js';
import { countingTool, runnerWith, SpyStore } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('RateGate on MemoryRateStore', () => {
  rateGateSuite(() => new MemoryRateStore());
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

  it('bad tool options throw at registration; bad gate options throw at construction', async () => {
    const { tool } = countingTool('x', { gates: { rate: { costs: 2 } } });
    expect(() => runnerWith([new RateGate({ limits: { points: 1, durationMs: 1000 } })], [tool])).toThrow(
      'unknown option costs (known: cost, limits, replaceLimits)',
    );
    expect(() => new RateGate({ limits: { points: 0, durationMs: 1000 } })).toThrow(/points/);
    expect(() => new RateGate({ limits: [] })).toThrow(/at least one/);
    expect(() => new RateGate({ limits: { points: 1, durationMs: 1000 }, cost: 1.5 })).toThrow(/cost/);
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
