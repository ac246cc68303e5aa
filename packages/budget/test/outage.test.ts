import { GatedToolRunner } from '@tollgate/core';
import { canStartRedisServer, DedicatedRedis } from '@tollgate/test-utils';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BudgetGate, RedisBudgetStore } from '../src/index.js';
import { refundTool } from './helpers.js';

// An outage needs a Redis of its own to kill: never the shared one.
describe.skipIf(!canStartRedisServer())('RedisBudgetStore when Redis goes away', () => {
  let server: DedicatedRedis;
  let redis: Redis;

  beforeAll(async () => {
    server = await DedicatedRedis.start();
    // The options docs/budget.md recommends: fail fast instead of queueing while disconnected.
    redis = new Redis(server.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 500,
      retryStrategy: () => 100,
    });
    // Connection errors surface as failed commands (store_unavailable); the event itself needs a listener.
    redis.on('error', () => {});
    await new Promise((resolve) => redis.once('ready', resolve));
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('blocks with store_unavailable while it is down (fail-open allows), and passes again after it returns', async () => {
    const store = new RedisBudgetStore({ redis });
    const closed = new GatedToolRunner({
      gates: [new BudgetGate({ store, budgets: [{ max: '1000' }], cost: '1' })],
      tools: [refundTool],
    });
    const open = new GatedToolRunner({
      gates: [new BudgetGate({ store, budgets: [{ max: '1000' }], cost: '1', failMode: 'open' })],
      tools: [refundTool],
    });
    const before = await Promise.all(Array.from({ length: 20 }, () => closed.call('refund', {})));
    expect(before.every((r) => r.status === 'executed')).toBe(true);

    await server.stop();
    const during = await Promise.all(Array.from({ length: 20 }, () => closed.call('refund', {})));
    expect(during.map((r) => r.reason)).toEqual(Array(20).fill('store_unavailable'));
    expect(during[0]?.message).toMatch(/store is unavailable, so the call did not run/);
    const openResult = await open.call('refund', {});
    expect(openResult.status).toBe('executed');
    expect(openResult.decisions.find((d) => d.gate === 'budget')?.reason).toBe('store_unavailable_fail_open');

    await server.start();
    let status = '';
    for (let i = 0; i < 100 && status !== 'executed'; i++) {
      status = (await closed.call('refund', {})).status;
      if (status !== 'executed') await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe('executed');
    const after = await Promise.all(Array.from({ length: 20 }, () => closed.call('refund', {})));
    expect(after.every((r) => r.status === 'executed')).toBe(true);
  }, 30_000);
});
