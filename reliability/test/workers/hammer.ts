// One of two processes hammering one Redis-backed rate limit and one budget. Waits for "go" on stdin, makes
// CALLS calls (even: `limited`, odd: `spend`), IN_FLIGHT at a time, and prints its counts as one JSON line.
import { createInterface } from 'node:readline';
import { BudgetGate, RedisBudgetStore } from '@tollgate/budget';
import { GatedToolRunner } from '@tollgate/core';
import { RateGate, RedisRateStore } from '@tollgate/rate';
import { Redis } from 'ioredis';
import { BUDGET_MAX, CALL_COST, LIMIT_POINTS, type WorkerReport } from '../hammer-config.js';

const env = (name: string) => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`worker needs ${name}`);
  return value;
};
const client = new Redis(env('REDIS_URL'), { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
await client.connect();
const prefix = env('PREFIX');
const rate = new RateGate({
  store: new RedisRateStore({ redis: client, prefix: `${prefix}rate:` }),
  limits: { name: 'shared', points: LIMIT_POINTS, durationMs: 3_600_000 },
});
const budget = new BudgetGate({
  store: new RedisBudgetStore({ redis: client, prefix: `${prefix}budget:` }),
  budgets: [{ name: 'shared', max: BUDGET_MAX }],
  cost: (args) => args.amount,
});
const runner = new GatedToolRunner({
  tools: [
    { name: 'limited', parameters: { type: 'object' }, use: [rate], handler: () => 'ok' },
    {
      name: 'spend',
      parameters: { type: 'object', properties: { amount: { type: 'string' } }, required: ['amount'] },
      use: [budget],
      handler: () => 'ok',
    },
  ],
});

process.stdout.write('ready\n');
await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));

const report: WorkerReport = { limited: {}, spend: {}, thrown: 0 };
const calls = Number(env('CALLS'));
let next = 0;
const worker = async () => {
  while (next < calls) {
    const i = next++;
    const tool = i % 2 === 0 ? 'limited' : 'spend';
    try {
      const r = await runner.call(tool, tool === 'spend' ? { amount: CALL_COST } : {});
      report[tool][r.reason] = (report[tool][r.reason] ?? 0) + 1;
    } catch {
      report.thrown++;
    }
  }
};
await Promise.all(Array.from({ length: Number(env('IN_FLIGHT')) }, worker));
process.stdout.write(`${JSON.stringify(report)}\n`);
client.disconnect();
