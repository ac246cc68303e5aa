import { type GateResult, Reason } from '@tollgate/core';
import { canStartRedisServer, DedicatedRedis, testPrefix } from '@tollgate/test-utils';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RateGate, RateReason, RedisRateStore, type RedisRateStoreOptions } from '../src/index.js';
import { countingTool, runnerWith } from './helpers.js';

// An outage needs a Redis of its own to kill: never the shared one.
const available = canStartRedisServer();

/** A bound, not a timing assertion: a call that has not answered by then counts as hung. */
async function bounded(p: Promise<GateResult>): Promise<GateResult | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((r) => {
    timer = setTimeout(() => r('hung'), 4000);
  });
  try {
    return await Promise.race([p, hung]);
  } finally {
    clearTimeout(timer);
  }
}

describe.skipIf(!available)('RateGate when Redis goes away', () => {
  let server: DedicatedRedis;
  const clients: Redis[] = [];

  beforeAll(async () => {
    server = await DedicatedRedis.start();
  });
  afterAll(async () => {
    await server.stop();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    await server.start();
  });

  /** A client with the options docs/rate.md recommends, connected. */
  async function setup(options: Omit<RedisRateStoreOptions, 'redis'> & { failMode?: 'open' | 'closed' } = {}) {
    const client = new Redis(server.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 500,
      retryStrategy: (n) => Math.min(n * 50, 500),
    });
    client.on('error', () => {});
    clients.push(client);
    await new Promise((r) => client.once('ready', r));
    const { failMode, ...storeOptions } = options;
    const gate = new RateGate({
      failMode,
      store: new RedisRateStore({ redis: client, prefix: testPrefix('outage'), ...storeOptions }),
      limits: { points: 3, durationMs: 60_000 },
    });
    const tool = countingTool();
    return { client, runner: runnerWith([gate], [tool.tool]), calls: tool.calls };
  }

  async function untilExecuted(call: () => Promise<GateResult>): Promise<GateResult> {
    for (let i = 0; i < 100; i++) {
      const r = await call();
      if (r.status === 'executed') return r;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error('calls never passed again after Redis came back');
  }

  it('fail closed: store_unavailable, nothing throws, nothing hangs; calls pass again once Redis is back', async () => {
    const { runner, calls } = await setup();
    expect((await runner.call('send_money', {})).status).toBe('executed');
    await server.stop();
    for (let i = 0; i < 5; i++) {
      const r = await bounded(runner.call('send_money', {}));
      expect(r).not.toBe('hung');
      const result = r as GateResult;
      expect(result.status).toBe('blocked');
      expect(result.reason).toBe(Reason.storeUnavailable);
      const decision = result.decisions.find((d) => d.gate === 'rate');
      expect(decision?.error?.message).toBeTruthy();
      expect(decision?.data).toMatchObject({ unavailable: 'the rate store', store: 'redis' });
    }
    const dry = await bounded(runner.check('send_money', {}));
    expect((dry as GateResult).reason).toBe(Reason.storeUnavailable);
    expect(calls.executed).toBe(1);
    await server.start();
    await untilExecuted(() => runner.call('send_money', {}));
    expect(calls.executed).toBe(2);
  });

  it('fail open: allows, recording the store error in the decision', async () => {
    const { runner, calls } = await setup({ failMode: 'open' });
    await server.stop();
    const r = (await bounded(runner.call('send_money', {}))) as GateResult;
    expect(r.status).toBe('executed');
    const decision = r.decisions.find((d) => d.gate === 'rate');
    expect(decision?.reason).toBe(Reason.storeUnavailableFailOpen);
    expect(decision?.error).toBeDefined();
    expect(calls.executed).toBe(1);
  });

  it('insurance: an in-memory limiter keeps limiting while Redis is down', async () => {
    const { runner, calls } = await setup({ insurance: true });
    await server.stop();
    const results = await Promise.all(Array.from({ length: 5 }, () => runner.call('send_money', {})));
    expect(calls.executed).toBe(3);
    const limited = results.filter((r) => r.reason === RateReason.rateLimited);
    expect(limited).toHaveLength(2);
    const states = limited[0]!.decisions.find((d) => d.gate === 'rate')?.data?.limits as { insurance?: true }[];
    expect(states.at(-1)?.insurance).toBe(true);
  });

  it('a release that cannot reach Redis becomes a warning on the result, not a throw', async () => {
    const { runner } = await setup();
    const failing = countingTool('flaky', {
      handler: async () => {
        await server.stop();
        throw new Error('failed while Redis died');
      },
    });
    runner.register(failing.tool);
    const r = (await bounded(runner.call('flaky', {}))) as GateResult;
    expect(r.status).toBe('tool_error');
    expect(r.warnings?.join(' ')).toContain('could not give rate points back');
  });
});
