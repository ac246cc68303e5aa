import type { Cluster, Redis } from 'ioredis';
import { describe, expectTypeOf, it } from 'vitest';
import type { RateRedisClient } from '../src/index.js';

// The public types name no ioredis type, so a user without ioredis compiles; these keep ioredis's own clients fitting.
describe('RateRedisClient', () => {
  it('is satisfied by an ioredis Redis and an ioredis Cluster', () => {
    expectTypeOf<Redis>().toExtend<RateRedisClient>();
    expectTypeOf<Cluster>().toExtend<RateRedisClient>();
  });
});
