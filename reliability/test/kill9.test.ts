import { randomUUID } from 'node:crypto';
import { BudgetGate, RedisBudgetStore } from '@tollgate/budget';
import { GatedToolRunner } from '@tollgate/core';
import { describe, expect, it } from 'vitest';
import { lineFrom, startWorker, until, useDedicatedRedis, within } from './support.js';

const suite = useDedicatedRedis();

describe.skipIf(!suite.available)('kill -9 on a process that holds budget reservations', () => {
  it('frees its reservations once their TTL passes', async () => {
    const prefix = `rel:${randomUUID().slice(0, 8)}:`;
    const child = startWorker('hold', {
      REDIS_URL: suite.server.url,
      PREFIX: prefix,
      TTL_MS: '3000',
      HOLDS: '3',
      AMOUNT: '20.00',
      MAX: '100.00',
    });
    await within(30_000, 'the worker reserving', lineFrom(child, /^holding$/));

    const store = new RedisBudgetStore({ redis: suite.client, prefix });
    const line = { key: 'budget:orphans:*', max: '100.00', amount: '50.00' };
    const held = async () => (await store.peek([line], Date.now())).lines[0]!.held;
    expect(await held()).toBe('60');

    // While the holds live, 60 of 100 is taken: a call for 50 does not fit.
    const runner = new GatedToolRunner({
      gates: [new BudgetGate({ store, budgets: [{ name: 'orphans', max: '100.00' }], cost: '50.00' })],
      tools: [{ name: 'hang', parameters: { type: 'object' }, handler: () => 'ran' }],
    });
    expect(await runner.call('hang', {})).toMatchObject({ status: 'blocked', reason: 'budget_exceeded' });

    const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const killedAt = Date.now();
    await until(15_000, "the killed process's holds expiring", async () => (await held()) === '0');
    console.log(
      `[reliability] kill -9: 60 of 100 held by the killed process, free again ${Date.now() - killedAt} ms after SIGKILL (TTL 3000 ms)`,
    );
    expect(await runner.call('hang', {})).toMatchObject({ status: 'executed', result: 'ran' });
    expect((await store.peek([line], Date.now())).lines[0]).toMatchObject({ spent: '50', held: '0' });
  });
});
