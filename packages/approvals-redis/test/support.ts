import { useTestRedis } from '@tollgate/test-utils';
import type { Redis } from 'ioredis';
import { afterAll } from 'vitest';

const test = await useTestRedis('approvals');
/** The test Redis (undefined when it does not answer outside CI; under CI=true a missing Redis throws). */
export const redis = test.redis;
const clients: Redis[] = [];

afterAll(() => {
  for (const c of clients.splice(0)) c.disconnect();
});

/** A fresh key prefix, deleted after the test. */
export function usePrefix(name = 'approvals'): string {
  return test.prefix(name);
}

/** A client of its own, as another process has; disconnected after the file. */
export function newClient(): Redis {
  const client = redis!.duplicate();
  clients.push(client);
  return client;
}
