import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { REDIS_URL, useTestRedis } from '@tollgate/test-utils';
import { describe, expect, it } from 'vitest';
import { RateGate, RedisRateStore, rateKey } from '../src/index.js';
import { rateGateSuite } from './gate-suite.js';
import { countingTool, runnerWith } from './helpers.js';

const { redis, prefix } = await useTestRedis('rate');

describe.skipIf(!redis)('RateGate on RedisRateStore', () => {
  rateGateSuite(() => new RedisRateStore({ redis: redis!, prefix: prefix() }));
});

describe.skipIf(!redis)('RedisRateStore', () => {
  it('keys read <prefix><gate>:<limit>:<key>; a later gate blocking gives the point back', async () => {
    const keyPrefix = prefix();
    const store = new RedisRateStore({ redis: redis!, prefix: keyPrefix });
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

  it('refuses windows that are not whole seconds, which Redis cannot store', () => {
    const store = new RedisRateStore({ redis: redis!, prefix: prefix() });
    expect(() => new RateGate({ store, limits: { points: 1, durationMs: 1500 } })).toThrow(/whole seconds/);
  });

  it('two processes, 5,000 calls each, on one limit of 1,000: exactly 1,000 run in total', async () => {
    const keyPrefix = prefix();
    const worker = fileURLToPath(new URL('./fixtures/worker.ts', import.meta.url));
    const cwd = fileURLToPath(new URL('..', import.meta.url));
    const run = () =>
      new Promise<{ executed: number; limited: number }>((resolve, reject) => {
        const child = spawn(process.execPath, ['--conditions=@tollgate/source', '--import', 'tsx', worker], {
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
