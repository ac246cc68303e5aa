import { connectTestRedis, deletePrefix, testPrefix } from '@tollgate/test-utils';
import type { Redis } from 'ioredis';
import { afterAll, afterEach } from 'vitest';

/** The test Redis (undefined when it does not answer outside CI; under CI=true a missing Redis throws). */
export const redis = await connectTestRedis();
const prefixes: string[] = [];
const clients: Redis[] = [];

afterEach(async () => {
  if (redis) for (const p of prefixes.splice(0)) await deletePrefix(redis, p);
});
afterAll(() => {
  for (const c of clients.splice(0)) c.disconnect();
  redis?.disconnect();
});

/** A fresh key prefix, deleted after the test. */
export function usePrefix(name = 'approvals'): string {
  const prefix = testPrefix(name);
  prefixes.push(prefix);
  return prefix;
}

/** A client of its own, as another process has; disconnected after the file. */
export function newClient(): Redis {
  const client = redis!.duplicate();
  clients.push(client);
  return client;
}
