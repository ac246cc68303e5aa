import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/** The Redis the suites use: `REDIS_URL`, default `redis://127.0.0.1:6379`. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** True under `CI=true`, where Redis suites are mandatory and must fail instead of skipping. */
export const REDIS_REQUIRED = process.env.CI === 'true' || process.env.TOLLGATE_REQUIRE_REDIS === '1';

/**
 * Connects to the test Redis. Returns `undefined` when it does not answer, so a local run can skip;
 * under `CI=true` it throws instead, so a CI run without Redis fails rather than passing quietly.
 */
export async function connectTestRedis(url = REDIS_URL): Promise<Redis | undefined> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 1_000,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (err) {
    redis.disconnect();
    if (REDIS_REQUIRED) throw new Error(`Redis is required under CI=true but ${url} does not answer: ${String(err)}`);
    return undefined;
  }
}

/** A key prefix unique to one test, so suites sharing a Redis never see each other's keys. */
export function testPrefix(name = 't'): string {
  return `tollgate-test:${name}:${randomUUID().slice(0, 8)}:`;
}

/** Deletes every key under `prefix` (SCAN, never KEYS). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** A throwaway redis-server on its own port, which a test may stop and start again (outage tests). */
export class DedicatedRedis {
  private child: ChildProcess | undefined;
  private constructor(readonly port: number) {}

  /** `redis://127.0.0.1:<port>` */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts a redis-server (no persistence) on a free port, or on `port`. */
  static async start(port?: number): Promise<DedicatedRedis> {
    const r = new DedicatedRedis(port ?? (await freePort()));
    await r.start();
    return r;
  }

  /** Starts the server again after {@link stop}; resolves once it answers PING. */
  async start(): Promise<void> {
    if (this.child) return;
    const bin = process.env.REDIS_SERVER_BIN ?? 'redis-server';
    this.child = spawn(bin, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    let spawnError: Error | undefined;
    this.child.once('error', (err) => {
      spawnError = err; // e.g. ENOENT: no redis-server on PATH
    });
    this.child.once('exit', () => {
      this.child = undefined;
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const probe = new Redis(this.url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      probe.on('error', () => {}); // refused connections while the server boots are expected here
      try {
        await probe.connect();
        await probe.ping();
        probe.disconnect();
        return;
      } catch {
        probe.disconnect();
        if (spawnError) {
          this.child = undefined;
          throw new Error(`cannot start ${bin} (${spawnError.message}); install it, e.g. apt-get install redis-server`);
        }
        if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not start`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Stops the server at once, as a crash would (SIGKILL); resolves once the process is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}
