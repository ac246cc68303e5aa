// Two processes spend from ONE budget through Redis, and together never pass it.
//
//   node --conditions=@tollgate/source --import tsx packages/budget/examples/shared-budget.ts
//
// The parent starts two copies of this file (`--worker`); each tries 200 refunds of 0.10 against a shared
// budget of 25.00 at once. Redis admits exactly 250 between them, and the ledger reads exactly 25.00.
// REDIS_URL picks the Redis (default redis://127.0.0.1:6379); keys go under a fresh prefix, deleted at the end.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BudgetGate, RedisBudgetStore } from '@tollgate/budget';
import { GatedToolRunner } from '@tollgate/core';
import { Redis } from 'ioredis';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const BUDGET = '25.00';
const ATTEMPTS = 200;

/** Fail fast when Redis is away, so calls become `store_unavailable` decisions instead of waiting. */
function connect(): Redis {
  return new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 2_000 });
}

function budgetGate(store: RedisBudgetStore): BudgetGate {
  return new BudgetGate({
    store,
    budgets: [{ name: 'refunds', max: BUDGET, label: 'The shared refund budget' }],
    cost: (args) => args.amount,
  });
}

async function worker(prefix: string): Promise<void> {
  const redis = connect();
  await new Promise((resolve) => redis.once('ready', resolve));
  const runner = new GatedToolRunner({
    gates: [budgetGate(new RedisBudgetStore({ redis, prefix }))],
    tools: [
      {
        name: 'refund',
        parameters: { type: 'object', properties: { amount: { type: 'number' } }, required: ['amount'] },
        handler: (args: { amount: number }) => ({ refunded: args.amount }),
      },
    ],
  });
  // The model sends JSON; 0.1 arrives as a number and is read as the decimal "0.1", never as a float.
  const results = await Promise.all(Array.from({ length: ATTEMPTS }, () => runner.call('refund', '{"amount":0.1}')));
  const executed = results.filter((r) => r.status === 'executed').length;
  process.stdout.write(`${JSON.stringify({ executed, blocked: ATTEMPTS - executed })}\n`);
  redis.disconnect();
}

function runWorker(prefix: string): Promise<{ executed: number; blocked: number }> {
  const file = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [...process.execArgv, file, '--worker', prefix], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`worker exited ${code}`))));
  });
}

async function main(): Promise<void> {
  const prefix = `tollgate:example:${process.pid}:${Date.now()}:`;
  const redis = connect();
  await new Promise((resolve) => redis.once('ready', resolve));
  const store = new RedisBudgetStore({ redis, prefix });
  try {
    const [a, b] = await Promise.all([runWorker(prefix), runWorker(prefix)]);
    console.log(`worker 1: ${a.executed} refunds executed, ${a.blocked} blocked`);
    console.log(`worker 2: ${b.executed} refunds executed, ${b.blocked} blocked`);
    // A dry run answers from the shared ledger without holding anything.
    const check = await new GatedToolRunner({
      gates: [budgetGate(store)],
      tools: [{ name: 'refund', parameters: { type: 'object' }, handler: () => null }],
    }).check('refund', { amount: '0.00' });
    const data = check.decisions.find((d) => d.gate === 'budget')?.data ?? {};
    console.log(`combined: ${a.executed + b.executed} refunds executed of ${2 * ATTEMPTS} attempted`);
    console.log(`ledger ${String(data.key)}: spent ${String(data.spent)} of ${String(data.max)}`);
  } finally {
    // The ledger is one hash plus a sorted set of holds (empty, hence already gone, once all are settled).
    await redis.del(...store.keysFor('budget:refunds:*'));
    redis.disconnect();
  }
}

if (process.argv[2] === '--worker') await worker(process.argv[3] ?? '');
else await main();
