// One of three processes making CALLS concurrent calls through a stalling proxy to Redis, each call taking a rate
// point and holding a budget amount. Waits for "go", prints "started" once a tenth of the calls have ended, waits
// for every call and for runner.flush(), then prints its counts by reason as one JSON line.
import { createInterface } from 'node:readline';
import { BudgetGate, RedisBudgetStore } from '@tollgate/budget';
import { GatedToolRunner } from '@tollgate/core';
import { RateGate, RedisRateStore } from '@tollgate/rate';
import { Redis } from 'ioredis';

const env = (name: string) => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`worker needs ${name}`);
  return value;
};
const client = new Redis(env('REDIS_URL'), {
  enableAutoPipelining: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: 1_000,
  lazyConnect: true,
  retryStrategy: () => 50,
});
client.on('error', () => {});
await client.connect();
const prefix = env('PREFIX');
const runner = new GatedToolRunner({
  gates: [
    new RateGate({
      store: new RedisRateStore({ redis: client, prefix: `${prefix}rate:` }),
      limits: { name: 'shared', points: Number(env('LIMIT')), durationMs: 3_600_000 },
    }),
    new BudgetGate({
      store: new RedisBudgetStore({ redis: client, prefix: `${prefix}budget:` }),
      budgets: [{ name: 'shared', max: env('BUDGET') }],
      cost: env('COST'),
    }),
  ],
  tools: [{ name: 'pay', parameters: { type: 'object' }, handler: () => 'ok' }],
});

process.stdout.write('ready\n');
await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));
const counts: Record<string, number> = {};
const n = Number(env('CALLS'));
let ended = 0;
const calls = Array.from({ length: n }, async () => {
  const r = await runner.call('pay', {});
  counts[r.reason] = (counts[r.reason] ?? 0) + 1;
  if (++ended === Math.ceil(n / 10)) process.stdout.write('started\n');
});
await Promise.all(calls);
await runner.flush();
process.stdout.write(`${JSON.stringify(counts)}\n`);
client.disconnect();
