import { randomUUID } from 'node:crypto';
import { RedisBudgetStore } from '@tollgate/budget';
import { StallingProxy } from '@tollgate/test-utils';
import { describe, expect, it } from 'vitest';
import { lineFrom, startWorker, useDedicatedRedis, within } from './support.js';

const suite = useDedicatedRedis();

/** Polls `read` until it returns `expected` or `ms` pass; returns the last value read. */
async function settlesTo<T>(read: () => Promise<T>, expected: T, ms: number): Promise<T> {
  const until = Date.now() + ms;
  let value = await read();
  while (JSON.stringify(value) !== JSON.stringify(expected) && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

describe.skipIf(!suite.available)('commands that time out while Redis stalls (issue 11, defect 3)', () => {
  it('3 processes x 2,000 calls through a stall: no budget left held, the rate counter equals the calls run', async () => {
    const proxy = await StallingProxy.start(suite.server.port);
    const prefix = `stall:${randomUUID().slice(0, 8)}:`;
    const limit = 1_500;
    const env = {
      REDIS_URL: proxy.url,
      PREFIX: prefix,
      CALLS: '2000',
      LIMIT: String(limit),
      BUDGET: '100000',
      COST: '1.25',
    };
    const workers = Array.from({ length: 3 }, () => startWorker('stall', env));
    try {
      await within(60_000, 'workers starting', Promise.all(workers.map((w) => lineFrom(w, /^ready$/))));
      const reports = workers.map((w) => lineFrom(w, /^\{/));
      // Stall before the calls start, so every one of them meets it, for longer than the workers' 1 s commandTimeout.
      proxy.stall();
      for (const w of workers) w.stdin?.write('go\n');
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      proxy.resume();
      const counts = (await within(90_000, 'the 6,000 calls', Promise.all(reports))).map(
        (line) => JSON.parse(line) as Record<string, number>,
      );
      const total = (reason: string) => counts.reduce((n, c) => n + (c[reason] ?? 0), 0);
      const executed = total('executed');
      console.log(`[reliability] stall: ${JSON.stringify(counts)}`);
      expect(counts.reduce((n, c) => n + Object.values(c).reduce((a, b) => a + b, 0), 0)).toBe(6_000);
      expect(total('store_unavailable') + total('rate_limited')).toBeGreaterThan(0);
      expect(executed).toBeLessThanOrEqual(limit);

      // Within seconds of Redis answering again: nothing held, exactly the calls that ran charged and counted.
      const store = new RedisBudgetStore({ redis: suite.client, prefix: `${prefix}budget:` });
      const ledger = async () => {
        const out = await store.peek([{ key: 'budget:shared:*', max: '100000', amount: '0' }], Date.now());
        const { spent, held } = out.lines[0]!;
        return { spent, held };
      };
      const spent = (executed * 1.25).toFixed(2).replace(/\.?0+$/, '');
      expect(await settlesTo(ledger, { spent: executed === 0 ? '0' : spent, held: '0' }, 10_000)).toEqual({
        spent: executed === 0 ? '0' : spent,
        held: '0',
      });
      const counter = () => suite.client.get(`${prefix}rate:rate:shared:*`);
      expect(await settlesTo(counter, String(executed), 10_000)).toBe(String(executed));
    } finally {
      for (const w of workers) w.kill();
      await proxy.close();
    }
  });
});
