import { randomUUID } from 'node:crypto';
import { BudgetGate, RedisBudgetStore } from '@tollgate/budget';
import { GatedToolRunner } from '@tollgate/core';
import { RateGate, RedisRateStore } from '@tollgate/rate';
import { canStartRedisServer, RedisCluster } from '@tollgate/test-utils';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lineFrom, startWorker, within } from './support.js';

const available = canStartRedisServer();
let cluster: RedisCluster;
let client: Cluster;

/** A cluster client that fails fast while a slot's master is down, as the docs advise. */
function clusterClient(): Cluster {
  const c = new Cluster(cluster.startup, {
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    clusterRetryStrategy: () => 100,
    redisOptions: { maxRetriesPerRequest: 1, commandTimeout: 1_000 },
  });
  c.on('error', () => {});
  return c;
}

describe.skipIf(!available)('Redis Cluster of 3 masters (issue 15 target 5)', () => {
  beforeAll(async () => {
    cluster = await RedisCluster.start(3);
    client = clusterClient();
    await new Promise((resolve) => client.once('ready', resolve));
  }, 60_000);
  afterAll(async () => {
    client?.disconnect();
    await cluster?.stop();
  });

  it('2 processes x 1,000 concurrent calls: exact admitted counts and exact decimal totals', async () => {
    const prefix = `cl:${randomUUID().slice(0, 8)}:`;
    const env = {
      NODES: JSON.stringify(cluster.nodes.map((n) => n.port)),
      PREFIX: prefix,
      CALLS: '1000',
      LIMIT: '300',
      BUDGET: '33.30',
      COST: '0.10',
    };
    const workers = [startWorker('cluster', env), startWorker('cluster', env)];
    try {
      await within(60_000, 'workers starting', Promise.all(workers.map((w) => lineFrom(w, /^ready$/))));
      const reports = workers.map((w) => lineFrom(w, /^\{/));
      for (const w of workers) w.stdin?.write('go\n');
      const [a, b] = (await within(90_000, 'the 2,000 calls', Promise.all(reports))).map(
        (line) => JSON.parse(line) as Record<string, Record<string, number>>,
      );
      console.log(`[reliability] cluster: ${JSON.stringify([a, b])}`);
      const n = (tool: string, reason: string) => (a![tool]![reason] ?? 0) + (b![tool]![reason] ?? 0);
      expect(n('limited', 'executed')).toBe(300);
      expect(n('limited', 'rate_limited')).toBe(700);
      // Two budgets in two slots: 33.30 at 0.10 a call is exactly 333 calls.
      expect(n('spend', 'executed')).toBe(333);
      expect(n('spend', 'budget_exceeded')).toBe(1000 - 333);
      expect(await client.get(`${prefix}rate:rate:shared:*`)).toBe('300');
      const store = new RedisBudgetStore({ redis: client, prefix: `${prefix}budget:` });
      const ledger = await store.peek([{ key: 'budget:shared:*', max: '33.30', amount: '0' }], Date.now());
      expect(ledger.lines[0]).toMatchObject({ spent: '33.3', held: '0' });
      // The two budgets of a call live in different slots, so the store took the two-script path.
      const slotOf = (k: string) => client.call('CLUSTER', 'KEYSLOT', store.keysFor(`budget:${k}`)[0]);
      expect(await slotOf('shared:*')).not.toBe(await slotOf('per-actor:actor-1'));
    } finally {
      for (const w of workers) w.kill();
    }
  });

  it('a master killed during a run fails closed, and calls pass again once it is back', async () => {
    const prefix = `cl:${randomUUID().slice(0, 8)}:`;
    const runner = new GatedToolRunner({
      gates: [
        new RateGate({
          store: new RedisRateStore({ redis: client, prefix: `${prefix}rate:` }),
          limits: { name: 'per-actor', points: 1_000_000, durationMs: 3_600_000, key: (ctx) => ctx.actor ?? '-' },
        }),
        new BudgetGate({
          store: new RedisBudgetStore({ redis: client, prefix: `${prefix}budget:` }),
          budgets: [{ name: 'per-actor', max: '1000000', key: (ctx) => ctx.actor ?? '-' }],
          cost: '0.01',
        }),
      ],
      tools: [{ name: 'pay', parameters: { type: 'object' }, handler: () => 'ok' }],
    });
    // Actors spread over every slot range, so some of them live on the master that is killed.
    const round = () => Promise.all(Array.from({ length: 60 }, (_, i) => runner.call('pay', {}, { actor: `a${i}` })));
    expect((await round()).every((r) => r.status === 'executed')).toBe(true);
    const victim = cluster.nodes[1]!;
    await victim.stop();
    let refused: string[] = [];
    const until = Date.now() + 20_000;
    while (refused.length === 0 && Date.now() < until) {
      const results = await round();
      expect(results.every((r) => r.status === 'executed' || r.status === 'blocked')).toBe(true);
      refused = results.filter((r) => r.status === 'blocked').map((r) => r.reason);
    }
    expect(refused.length).toBeGreaterThan(0);
    expect(new Set(refused)).toEqual(new Set(['store_unavailable']));
    await victim.start();
    await cluster.waitUntilOk();
    let back = false;
    while (!back && Date.now() < until + 30_000) {
      back = (await round()).every((r) => r.status === 'executed');
      if (!back) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(back).toBe(true);
  });
});
