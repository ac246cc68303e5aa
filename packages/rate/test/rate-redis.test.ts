import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connectTestRedis, deletePrefix, REDIS_URL, testPrefix } from '@tollgate/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { RateGate, RedisRateStore, rateKey } from '../src/index.js';
import { countingTool, runnerWith } from './helpers.js';

const redis = await connectTestRedis();

describe.skipIf(!redis)('RateGate on Redis', () => {
  const prefixes: string[] = [];
  const prefix = () => {
    const p = testPrefix('rate');
    prefixes.push(p);
    return p;
  };
  afterEach(async () => {
    for (const p of prefixes.splice(0)) await deletePrefix(redis!, p);
  });

  it('keys read <keyPrefix><gate>:<limit>:<key>; a later gate blocking gives the point back', async () => {
    const keyPrefix = prefix();
    const store = new RedisRateStore({ client: redis!, keyPrefix });
    const gate = new RateGate({
      name: 'api',
      store,
      limits: { name: 'per-actor', key: rateKey('tenant', 'actor'), points: 1, durationMs: 60_000 },
    });
    const { tool, calls } = countingTool();
    const runner = runnerWith([gate], [tool]);
    const key = `${keyPrefix}api:per-actor:acme:alice`;
    const who = { tenant: 'acme', actor: 'alice' };
    expect((await runner.call('send_money', { deny: true }, who)).reason).toBe('denied_by_rule');
    expect(await redis!.get(key)).toBe('0');
    expect((await runner.call('send_money', {}, who)).status).toBe('executed');
    expect(await redis!.get(key)).toBe('1');
    const ttl = await redis!.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    const blocked = await runner.call('send_money', {}, who);
    expect(blocked.reason).toBe('rate_limited');
    expect(blocked.retryAfterMs).toBeGreaterThan(0);
    expect(await redis!.get(key)).toBe('1');
    expect(calls.executed).toBe(1);
  });

  it('limit 2 refusing gives limit 1 its point back', async () => {
    const keyPrefix = prefix();
    const gate = new RateGate({
      store: new RedisRateStore({ client: redis!, keyPrefix }),
      limits: [
        { name: 'per-actor', key: rateKey('actor'), points: 5, durationMs: 60_000 },
        { name: 'global', points: 1, durationMs: 60_000 },
      ],
    });
    const { tool } = countingTool();
    const runner = runnerWith([gate], [tool]);
    expect((await runner.call('send_money', {}, { actor: 'a' })).status).toBe('executed');
    expect((await runner.call('send_money', {}, { actor: 'b' })).reason).toBe('rate_limited');
    expect(await redis!.get(`${keyPrefix}rate:per-actor:b`)).toBe('0');
    expect(await redis!.get(`${keyPrefix}rate:global:*`)).toBe('1');
  });

  it('handler throws: the point is given back; chargeOnError keeps it', async () => {
    const keyPrefix = prefix();
    const gate = new RateGate({
      store: new RedisRateStore({ client: redis!, keyPrefix }),
      limits: { key: rateKey('tool'), points: 1, durationMs: 60_000 },
    });
    const free = countingTool('free');
    const charged = countingTool('charged', { chargeOnError: true });
    const runner = runnerWith([gate], [free.tool, charged.tool]);
    expect((await runner.call('free', { fail: true })).status).toBe('tool_error');
    expect(await redis!.get(`${keyPrefix}rate:limit-0:free`)).toBe('0');
    expect((await runner.call('free', {})).status).toBe('executed');
    expect((await runner.call('charged', { fail: true })).status).toBe('tool_error');
    expect(await redis!.get(`${keyPrefix}rate:limit-0:charged`)).toBe('1');
  });

  it('1,000 concurrent calls against a limit of 100 execute exactly 100', async () => {
    const keyPrefix = prefix();
    const { tool, calls } = countingTool();
    const gate = new RateGate({
      store: new RedisRateStore({ client: redis!, keyPrefix }),
      limits: { points: 100, durationMs: 60_000 },
    });
    const runner = runnerWith([gate], [tool]);
    const results = await Promise.all(Array.from({ length: 1000 }, () => runner.call('send_money', {})));
    expect(calls.executed).toBe(100);
    expect(results.filter((r) => r.reason === 'rate_limited')).toHaveLength(900);
    expect(await redis!.get(`${keyPrefix}rate:limit-0:*`)).toBe('100');
  });

  it('dry run reads Redis and consumes nothing', async () => {
    const keyPrefix = prefix();
    const { tool } = countingTool();
    const gate = new RateGate({
      store: new RedisRateStore({ client: redis!, keyPrefix }),
      limits: { points: 1, durationMs: 60_000 },
    });
    const runner = runnerWith([gate], [tool]);
    expect((await runner.check('send_money', {})).status).toBe('allowed');
    expect(await redis!.exists(`${keyPrefix}rate:limit-0:*`)).toBe(0);
    await runner.call('send_money', {});
    expect((await runner.check('send_money', {})).reason).toBe('rate_limited');
    expect(await redis!.get(`${keyPrefix}rate:limit-0:*`)).toBe('1');
  });

  it('refuses windows that are not whole seconds, which Redis cannot store', () => {
    const store = new RedisRateStore({ client: redis!, keyPrefix: prefix() });
    expect(() => new RateGate({ store, limits: { points: 1, durationMs: 1500 } })).toThrow(/whole seconds/);
  });

  it('two processes, 5,000 calls each, on one limit of 1,000: exactly 1,000 run in total', async () => {
    const keyPrefix = prefix();
    const worker = fileURLToPath(new URL('./fixtures/worker.ts', import.meta.url));
    const cwd = fileURLToPath(new URL('..', import.meta.url));
    const run = () =>
      new Promise<{ executed: number; limited: number }>((resolve, reject) => {
        const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', worker], {
          cwd,
          env: { ...process.env, REDIS_URL, KEY_PREFIX: keyPrefix, CALLS: '5000', POINTS: '1000' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => {
          out += d;
        });
        child.stderr.on('data', (d) => {
          err += d;
        });
        child.on('exit', (code) =>
          code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`worker ${code}: ${err}`)),
        );
      });
    const [a, b] = await Promise.all([run(), run()]);
    expect(a.executed + b.executed).toBe(1000);
    expect(a.limited + b.limited).toBe(9000);
    expect(await redis!.get(`${keyPrefix}rate:limit-0:*`)).toBe('1000');
  }, 60_000);
});
