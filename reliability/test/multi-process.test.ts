import { randomUUID } from 'node:crypto';
import { RedisBudgetStore } from '@tollgate/budget';
import { describe, expect, it } from 'vitest';
import { BUDGET_MAX, CALL_COST, LIMIT_POINTS, type WorkerReport } from './hammer-config.js';
import { lineFrom, startWorker, useDedicatedRedis, within } from './support.js';

const suite = useDedicatedRedis();

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

describe.skipIf(!suite.available)('two processes on one Redis-backed limit and budget', () => {
  it('admit exactly the limit and charge the exact decimal total over 10,000 calls', async () => {
    const prefix = `rel:${randomUUID().slice(0, 8)}:`;
    const env = { REDIS_URL: suite.server.url, PREFIX: prefix, CALLS: '5000', IN_FLIGHT: '64' };
    const workers = [startWorker('hammer', env), startWorker('hammer', env)];
    await within(30_000, 'workers starting', Promise.all(workers.map((w) => lineFrom(w, /^ready$/))));
    const reports = workers.map((w) => lineFrom(w, /^\{/));
    for (const w of workers) w.stdin?.write('go\n');
    const [a, b] = (await within(60_000, 'the 10,000 calls', Promise.all(reports))).map(
      (line) => JSON.parse(line) as WorkerReport,
    );

    console.log(
      `[reliability] two processes: limited ran ${a!.limited.executed ?? 0} + ${b!.limited.executed ?? 0}, ` +
        `spend ran ${a!.spend.executed ?? 0} + ${b!.spend.executed ?? 0}`,
    );
    expect(a!.thrown + b!.thrown).toBe(0);
    expect(sum(a!.limited) + sum(b!.limited) + sum(a!.spend) + sum(b!.spend)).toBe(10_000);
    // The rate limit: 5,000 attempts, exactly LIMIT_POINTS run, every other one refused as rate_limited.
    expect((a!.limited.executed ?? 0) + (b!.limited.executed ?? 0)).toBe(LIMIT_POINTS);
    expect((a!.limited.rate_limited ?? 0) + (b!.limited.rate_limited ?? 0)).toBe(5_000 - LIMIT_POINTS);
    // The budget: 333.30 at 0.10 a call is exactly 3,333 calls, and exactly 333.3 spent (a float sum drifts).
    expect((a!.spend.executed ?? 0) + (b!.spend.executed ?? 0)).toBe(3_333);
    expect((a!.spend.budget_exceeded ?? 0) + (b!.spend.budget_exceeded ?? 0)).toBe(5_000 - 3_333);

    expect(await suite.client.get(`${prefix}rate:rate:shared:*`)).toBe(String(LIMIT_POINTS));
    const store = new RedisBudgetStore({ redis: suite.client, prefix: `${prefix}budget:` });
    const ledger = await store.peek([{ key: 'budget:shared:*', max: BUDGET_MAX, amount: CALL_COST }], Date.now());
    expect(ledger.lines[0]).toMatchObject({ spent: '333.3', held: '0' });
    expect(ledger.ok).toBe(false);
  });
});
