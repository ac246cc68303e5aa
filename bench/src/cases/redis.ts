// The Redis-backed pipeline: rate, budget and approvals on Redis, next to a PING round trip of the same run.
import { randomUUID } from 'node:crypto';
import { RedisApprovalStore } from '@tollgate/approvals-redis';
import { RedisBudgetStore } from '@tollgate/budget';
import type { GatedToolRunner } from '@tollgate/core';
import { RedisRateStore } from '@tollgate/rate';
import { deletePrefix } from '@tollgate/test-utils';
import { Redis, type RedisOptions } from 'ioredis';
import { ARGS, budgetGate, CONTEXT, paymentRunner, rateGate, ruleGate } from '../fixtures.js';
import type { CallCase, Figure } from '../measure.js';
import { countRoundTrips, type RoundTripCounter } from '../redis-count.js';
import { callCase, expectExecuted } from './overhead.js';
import type { ServerStep } from './redis-server-time.js';

/** Round trips one kind of call makes, counted over `calls` calls after warm-up. */
export interface RoundTripFigure {
  id: string;
  label: string;
  calls: number;
  perCall: number;
  /** Round trips per call on its critical path: all but those carrying only budget commits, sent after the result. */
  critical: number;
  /** Commands per call, by name. */
  commands: Record<string, number>;
}

/** What the Redis section measured. */
export interface RedisResult {
  url: string;
  ping: Figure;
  figures: Figure[];
  roundTrips: RoundTripFigure[];
  /** Execution time of each step inside redis-server, or why it could not be measured. */
  serverSide: ServerStep[] | { skipped: string };
}

/**
 * Fail-fast client options, as docs/rate.md and docs/budget.md recommend, with auto-pipelining: the commands the
 * concurrent gates issue together leave in one write and come back in one round trip.
 */
export function benchClient(url: string, extra: RedisOptions = {}): Redis {
  const client = new Redis(url, {
    enableAutoPipelining: true,
    ...extra,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 2_000,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  return client;
}

/** The Redis-backed runners of the benchmark, each on its own key prefix. */
export function redisRunners(client: Redis, prefix: string) {
  const rateStore = () => new RedisRateStore({ redis: client, prefix: `${prefix}rate:` });
  const budgetStore = () => new RedisBudgetStore({ redis: client, prefix: `${prefix}budget:` });
  const approvals = new RedisApprovalStore({ redis: client, prefix: `${prefix}approvals:` });
  return {
    rate: paymentRunner([rateGate({ store: rateStore() })]),
    budget: paymentRunner([budgetGate({ store: budgetStore() })]),
    rateBudget: paymentRunner([rateGate({ store: rateStore() }), budgetGate({ store: budgetStore() })]),
    approvalsOnly: paymentRunner([ruleGate()], { approvals }),
    pipeline: paymentRunner([rateGate({ store: rateStore() }), budgetGate({ store: budgetStore() }), ruleGate()], {
      approvals,
    }),
  };
}

/** Sends `calls` calls one at a time and returns the round trips each made. */
async function countPerCall(
  counter: RoundTripCounter,
  id: string,
  label: string,
  calls: number,
  one: (i: number) => Promise<unknown>,
): Promise<RoundTripFigure> {
  counter.reset();
  for (let i = 0; i < calls; i++) {
    await one(i);
    // Let the commit that leaves after the result go out on its own, so it is not counted with the next call.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const commands: Record<string, number> = {};
  for (const [name, n] of counter.commands) commands[name] = n / calls;
  return {
    id,
    label,
    calls,
    perCall: counter.roundTrips / calls,
    critical: (counter.roundTrips - counter.offPath) / calls,
    commands,
  };
}

/** The timed Redis cases (PING first) on their own client and key prefix, deleted by `close`. */
export async function buildRedisCases(url: string): Promise<{ cases: CallCase[]; close(): Promise<void> }> {
  const client = benchClient(url);
  await client.connect();
  const prefix = `tollgate-bench:${randomUUID().slice(0, 8)}:`;
  const runners = redisRunners(client, prefix);
  return {
    cases: [
      { id: 'redis.ping', label: 'Redis PING round trip (no tollgate)', fn: () => client.ping() },
      callCase('redis.rate', 'validation + rate (Redis store)', runners.rate),
      callCase('redis.budget', 'validation + budget (Redis store)', runners.budget),
      callCase('redis.rate-budget', 'validation + rate + budget (both on Redis)', runners.rateBudget),
      callCase(
        'redis.pipeline',
        'Redis-backed pipeline (validation, rate + budget on Redis, rule, approvals on Redis)',
        runners.pipeline,
      ),
    ],
    close: async () => {
      await deletePrefix(client, prefix).catch(() => undefined);
      client.disconnect();
    },
  };
}

/** Counts the round trips of each kind of call: executed, needing approval, approve, resume. */
export async function countRedisRoundTrips(url: string): Promise<RoundTripFigure[]> {
  const client = benchClient(url);
  await client.connect();
  const prefix = `tollgate-bench:${randomUUID().slice(0, 8)}:`;
  try {
    const runners = redisRunners(client, prefix);
    const executed = (runner: GatedToolRunner) => async () =>
      expectExecuted(await runner.call('send_money', ARGS, CONTEXT));
    // Warm-up: ioredis loads each script once (EVALSHA, NOSCRIPT, then EVAL); the counts are for after that.
    for (const runner of [runners.rate, runners.budget, runners.rateBudget, runners.pipeline]) {
      await executed(runner)();
    }
    const counter = countRoundTrips(client, [scriptSha(client, 'tollgateBudgetCommit')]);
    const large = (i: number) =>
      JSON.stringify({ recipient: 'DE89370400440532013000', amount: `6${i % 10}0.00`, currency: 'EUR' });
    const pending: string[] = [];
    return [
      await countPerCall(counter, 'redis.rate', 'rate gate on Redis, executed call', 200, executed(runners.rate)),
      await countPerCall(counter, 'redis.budget', 'budget gate on Redis, executed call', 200, executed(runners.budget)),
      await countPerCall(
        counter,
        'redis.rate-budget',
        'rate + budget on Redis, executed call',
        200,
        executed(runners.rateBudget),
      ),
      await countPerCall(counter, 'redis.pipeline', 'pipeline, executed call', 200, executed(runners.pipeline)),
      await countPerCall(counter, 'redis.pipeline.approval', 'pipeline, call that needs approval', 50, async (i) => {
        const r = await runners.pipeline.call('send_money', large(i), CONTEXT);
        if (r.status !== 'approval_required' || !r.approval)
          throw new Error(`expected approval_required, got ${r.status}`);
        pending.push(r.approval.id);
      }),
      await countPerCall(counter, 'redis.approve', 'approve (human decision)', 50, async (i) => {
        const a = await runners.pipeline.approve(pending[i]!, { by: 'bench' });
        if (!a.ok) throw new Error(`approve failed: ${a.reason}`);
      }),
      await countPerCall(counter, 'redis.resume', 'resume the approved call (executes)', 50, async (i) =>
        expectExecuted(await runners.pipeline.resume(pending[i]!)),
      ),
    ];
  } finally {
    await deletePrefix(client, prefix).catch(() => undefined);
    client.disconnect();
  }
}

/** The SHA1 under which ioredis sends a script defined with `defineCommand(name)`. */
export function scriptSha(client: Redis, name: string): string {
  const script = (client as unknown as { scriptsSet: Record<string, { sha: string }> }).scriptsSet[name];
  if (!script) throw new Error(`no script ${name} defined on the client`);
  return script.sha;
}
