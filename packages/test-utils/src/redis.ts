import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach } from 'vitest';

/** The Redis the suites use: `REDIS_URL`, default `redis://127.0.0.1:6379`. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** True under `CI=true`, where Redis suites are mandatory and must fail instead of skipping. */
export const REDIS_REQUIRED = process.env.CI === 'true' || process.env.TOLLGATE_REQUIRE_REDIS === '1';

/**
 * Connects to the test Redis. Returns `undefined` when it does not answer, so a local run can skip, and says so in
 * one line; under `CI=true` it throws instead, so a CI run without Redis fails rather than passing quietly. Either
 * way the message is one line naming the URL and what to do, not ioredis's connection stack traces.
 */
export async function connectTestRedis(url = REDIS_URL): Promise<Redis | undefined> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 1_000,
    retryStrategy: () => null,
  });
  // Without a listener ioredis prints each connection error as an unhandled event; keep the first to report.
  let first: Error | undefined;
  redis.on('error', (err: Error) => {
    first ??= err;
  });
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (err) {
    redis.disconnect();
    const cause = first ?? err;
    const why = `no Redis answers at ${url} (${cause instanceof Error ? cause.message : String(cause)})`;
    if (REDIS_REQUIRED) {
      const failure = new Error(`Redis is required under CI=true, but ${why}. Start redis-server or set REDIS_URL.`);
      failure.stack = failure.message;
      throw failure;
    }
    console.warn(`Skipping this file's Redis tests: ${why}. Start redis-server or set REDIS_URL to run them.`);
    return undefined;
  }
}

/** The redis-server binary {@link DedicatedRedis} starts: `REDIS_SERVER_BIN`, default `redis-server` on PATH. */
export const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN ?? 'redis-server';

/**
 * Whether a test file can start a {@link DedicatedRedis}. False when redis-server cannot run, after one line saying
 * so (the file's tests then skip); under `CI=true` that throws instead, one line naming what to install.
 */
export function canStartRedisServer(): boolean {
  const probe = spawnSync(REDIS_SERVER_BIN, ['--version'], { encoding: 'utf8' });
  if (!probe.error && probe.status === 0) return true;
  const why = `cannot run ${REDIS_SERVER_BIN} (${probe.error?.message ?? probe.stderr.trim()})`;
  if (REDIS_REQUIRED) {
    const failure = new Error(
      `redis-server is required under CI=true, but this test ${why}. Install it (apt-get install redis-server) or set REDIS_SERVER_BIN.`,
    );
    failure.stack = failure.message;
    throw failure;
  }
  console.warn(
    `Skipping this file's Redis tests: they ${why}. Install redis-server or set REDIS_SERVER_BIN to run them.`,
  );
  return false;
}

/** What {@link useTestRedis} gives a test file. */
export interface TestRedis {
  /** The connected client, or undefined when Redis does not answer (skip the file's Redis tests with it). */
  redis: Redis | undefined;
  /** A fresh key prefix (`tollgate-test:<label>:…:`, label default the file's name) deleted after the current test. */
  prefix(label?: string): string;
}

/**
 * The test Redis for one test file ({@link connectTestRedis}), with fresh key prefixes whose keys are deleted after
 * each test and a client disconnected after the file. Call it at the top of the file: it registers the hooks.
 */
export async function useTestRedis(name: string): Promise<TestRedis> {
  const redis = await connectTestRedis();
  const prefixes: string[] = [];
  afterEach(async () => {
    if (redis) for (const p of prefixes.splice(0)) await deletePrefix(redis, p);
  });
  afterAll(() => redis?.disconnect());
  return {
    redis,
    prefix(label = name) {
      const p = testPrefix(label);
      prefixes.push(p);
      return p;
    },
  };
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
  private constructor(
    readonly port: number,
    /** More redis-server arguments, e.g. `--cluster-enabled yes`. */
    private readonly args: readonly string[] = [],
  ) {}

  /** `redis://127.0.0.1:<port>` */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts a redis-server (no persistence) on a free port, or on `port`, with `args` added. */
  static async start(port?: number, args: readonly string[] = []): Promise<DedicatedRedis> {
    const r = new DedicatedRedis(port ?? (await freePort()), args);
    await r.start();
    return r;
  }

  /** Starts the server again after {@link stop}; resolves once it answers PING. */
  async start(): Promise<void> {
    if (this.child) return;
    const bin = REDIS_SERVER_BIN;
    const base = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    this.child = spawn(bin, [...base, ...this.args], { stdio: 'ignore' });
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
