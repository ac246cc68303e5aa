// Where a Redis round trip's time goes on the server: each command's execution time from SLOWLOG, on a
// redis-server of the benchmark's own (setting SLOWLOG's threshold to 0 would disturb a shared one).
import { DedicatedRedis } from '@tollgate/test-utils';
import { ARGS, CONTEXT } from '../fixtures.js';
import { expectExecuted } from './overhead.js';
import { benchClient, redisRunners, scriptSha } from './redis.js';

/** Server-side execution time of one step of a call. */
export interface ServerStep {
  step: string;
  /** Median execution time inside redis-server, µs (SLOWLOG's own measure, without network or client). */
  medianUs: number;
  calls: number;
}

/** The scripts of an executed rate + budget call, by the name ioredis defines them under. */
const STEPS: [name: string, step: string][] = [
  ['rlflxIncr', 'rate consume (rate-limiter-flexible script)'],
  ['tollgateBudgetReserve', 'budget reserve (script)'],
  ['tollgateBudgetCommit', 'budget commit (script, off the critical path)'],
];

/**
 * Runs `calls` pipeline calls one at a time against a dedicated redis-server with SLOWLOG recording every
 * command, and returns the median execution time of each step. Calls are sequential and the server has no
 * other client, so the i-th script command of a call is step i.
 */
export async function serverTimes(calls: number): Promise<ServerStep[]> {
  const server = await DedicatedRedis.start();
  const client = benchClient(server.url);
  try {
    await client.connect();
    const runner = redisRunners(client, 'bench:').rateBudget;
    // Warm-up loads the scripts (EVALSHA, NOSCRIPT, EVAL), which is not what a call costs afterwards.
    for (let i = 0; i < 20; i++) expectExecuted(await runner.call('send_money', ARGS, CONTEXT));
    // Redis 7 also logs each command a script runs, so leave room for those as well.
    await client.call('CONFIG', 'SET', 'slowlog-max-len', String(calls * 100));
    await client.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await client.call('SLOWLOG', 'RESET');
    for (let i = 0; i < calls; i++) expectExecuted(await runner.call('send_money', ARGS, CONTEXT));
    const log = (await client.call('SLOWLOG', 'GET', '-1')) as [number, number, number, string[]][];
    // SLOWLOG lists newest first; an entry is [id, unix time, duration µs, [command, ...args], …].
    const scripts = log.filter((e) => String(e[3][0]).toLowerCase() === 'evalsha');
    const perScript = STEPS.map(([name, step]) => {
      const sha = scriptSha(client, name);
      const times = scripts.filter((e) => String(e[3][1]) === sha).map((e) => e[2]);
      if (times.length !== calls)
        throw new Error(`expected ${calls} calls of ${name} in SLOWLOG, found ${times.length}`);
      return { step, times };
    });
    const steps = perScript.map(({ step, times }) => ({ step, medianUs: median(times), calls }));
    // Per call: the sum of its scripts' times (the i-th of each script belongs to the i-th call).
    const totals = Array.from({ length: calls }, (_, i) => perScript.reduce((sum, s) => sum + s.times[i]!, 0));
    steps.push({ step: 'rate + budget per call (all three scripts)', medianUs: median(totals), calls });
    await client.call('SLOWLOG', 'RESET');
    for (let i = 0; i < calls; i++) await client.ping();
    const pings = ((await client.call('SLOWLOG', 'GET', '-1')) as [number, number, number, string[]][]).filter(
      (e) => String(e[3][0]).toLowerCase() === 'ping',
    );
    return [...steps, { step: 'PING, for comparison', medianUs: median(pings.map((e) => e[2])), calls: pings.length }];
  } finally {
    client.disconnect();
    await server.stop();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}
