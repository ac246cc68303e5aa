import type { Cluster, Redis } from 'ioredis';
import { describe, expectTypeOf, it } from 'vitest';
import type { BudgetRedisClient } from '../src/index.js';

// The public types name no ioredis type, so a user without ioredis compiles; these keep ioredis's own clients fitting.
describe('BudgetRedisClient', () => {
  it('is satisfied by an ioredis Redis and an ioredis Cluster', () => {
    expectTypeOf<Redis>().toExtend<BudgetRedisClient>();
    expectTypeOf<Cluster>().toExtend<BudgetRedisClient>();
  });
});
