// What the reliability tests share: a dedicated redis-server, child processes, fail-fast clients, bounds.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { canStartRedisServer, DedicatedRedis } from '@tollgate/test-utils';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';

/** The reliability package: workers run from here so workspace packages resolve to their TypeScript source. */
const packageDir = fileURLToPath(new URL('..', import.meta.url));

interface DedicatedSuite {
  available: boolean;
  server: DedicatedRedis;
  client: Redis;
}

/**
 * Gives the test file a dedicated redis-server on a free port (so nothing here disturbs a Redis in use) and a
 * connected fail-fast client for all its tests (read them inside tests), stopped after the last one. Without
 * redis-server, `available` is false after one line saying so (skip the file's tests with it); under `CI=true`
 * that fails instead.
 */
export function useDedicatedRedis(): Readonly<DedicatedSuite> {
  const suite = { available: canStartRedisServer() } as DedicatedSuite;
  if (!suite.available) return suite;
  beforeAll(async () => {
    suite.server = await DedicatedRedis.start();
    suite.client = failFastClient(suite.server.url);
    await suite.client.connect();
  });
  afterAll(async () => {
    suite.client?.disconnect();
    await suite.server?.stop();
  });
  return suite;
}

/** A client that fails fast while Redis is down and reconnects in the background, as docs/rate.md advises. */
export function failFastClient(url: string): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 500,
    retryStrategy: () => 50,
  });
  client.on('error', () => {});
  return client;
}

/** Starts `node --conditions=@tollgate/source --import tsx workers/<name>.ts` with `env` added. */
export function startWorker(name: string, env: Record<string, string>): ChildProcess {
  const file = fileURLToPath(new URL(`workers/${name}.ts`, import.meta.url));
  return spawn(process.execPath, ['--conditions=@tollgate/source', '--import', 'tsx', file], {
    cwd: packageDir,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Resolves with the child's first stdout line matching `pattern`; rejects if it exits first. */
export function lineFrom(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const onExit = (code: number | null) => reject(new Error(`worker exited (${code}) before ${pattern}: ${err}`));
    child.stderr?.on('data', (d) => {
      err += d;
    });
    child.stdout?.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => pattern.test(l));
      if (line !== undefined) {
        child.off('exit', onExit);
        resolve(line);
      }
    });
    child.once('exit', onExit);
  });
}

/** Rejects with `what` if `work` has not settled within `ms`: a bound on a whole phase, never a latency claim. */
export async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, bound]);
  } finally {
    clearTimeout(timer);
  }
}

/** Calls `probe` until it returns true, at most `ms` in all; rejects naming `what` otherwise. */
export async function until(ms: number, what: string, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what}: still not true after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
