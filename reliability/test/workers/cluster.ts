// One of two processes on a Redis Cluster: waits for "go", makes CALLS concurrent calls (even: `limited`, one
// rate limit; odd: `spend`, two budgets in different slots), and prints its counts by tool and reason as JSON.
import { createInterface } from 'node:readline';
import { BudgetGate, RedisBudgetStore } from '@tollgate/budget';
import { GatedToolRunner } from '@tollgate/core';
import { RateGate, RedisRateStore } from '@tollgate/rate';
import { Cluster } from 'ioredis';

const env = (name: string) => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`worker needs ${name}`);
  return value;
};
const startup = (JSON.parse(env('NODES')) as number[]).map((port) => ({ host: '127.0.0.1', port }));
const client = new Cluster(startup, { enableAutoPipelining: true, redisOptions: { maxRetriesPerRequest: 1 } });
client.on('error', () => {});
await new Promise((resolve) => client.once('ready', resolve));
const prefix = env('PREFIX');
const rate = new RateGate({
  store: new RedisRateStore({ redis: client, prefix: `${prefix}rate:` }),
  limits: { name: 'shared', points: Number(env('LIMIT')), durationMs: 3_600_000 },
});
const budget = new BudgetGate({
  store: new RedisBudgetStore({ redis: client, prefix: `${prefix}budget:` }),
  budgets: [
    { name: 'shared', max: env('BUDGET') },
    { name: 'per-actor', max: '1000000', key: (ctx) => ctx.actor ?? '-' },
  ],
  cost: env('COST'),
});
const runner = new GatedToolRunner({
  tools: [
    { name: 'limited', parameters: { type: 'object' }, use: [rate], handler: () => 'ok' },
    { name: 'spend', parameters: { type: 'object' }, use: [budget], handler: () => 'ok' },
  ],
});
process.stdout.write('ready\n');
await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));
const counts: Record<string, Record<string, number>> = { limited: {}, spend: {} };
await Promise.all(
  Array.from({ length: Number(env('CALLS')) }, async (_, i) => {
    const tool = i % 2 === 0 ? 'limited' : 'spend';
    const r = await runner.call(tool, {}, { actor: `actor-${i % 7}` });
    counts[tool]![r.reason] = (counts[tool]![r.reason] ?? 0) + 1;
  }),
);
await runner.flush();
process.stdout.write(`${JSON.stringify(counts)}\n`);
client.disconnect();
