// Reserves HOLDS × AMOUNT from a Redis budget in handlers that never return, prints "holding", and waits to be
// killed: the reservations it holds are never committed or released.

import { BudgetGate, RedisBudgetStore } from '@tollgate/budget';
import { GatedToolRunner } from '@tollgate/core';
import { Redis } from 'ioredis';

const env = (name: string) => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`worker needs ${name}`);
  return value;
};
const redis = new Redis(env('REDIS_URL'));
const store = new RedisBudgetStore({ redis, prefix: env('PREFIX'), reservationTtlMs: Number(env('TTL_MS')) });
const holds = Number(env('HOLDS'));
let entered = 0;
const runner = new GatedToolRunner({
  gates: [new BudgetGate({ store, budgets: [{ name: 'orphans', max: env('MAX') }], cost: env('AMOUNT') })],
  tools: [
    {
      name: 'hang',
      parameters: { type: 'object' },
      handler: () => {
        if (++entered === holds) process.stdout.write('holding\n');
        // Keeps the process alive with the reservation held until the parent kills it.
        return new Promise(() => setInterval(() => {}, 60_000));
      },
    },
  ],
});
for (let i = 0; i < holds; i++) void runner.call('hang', {});
