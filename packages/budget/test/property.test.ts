import { connectTestRedis, deletePrefix, testPrefix } from '@tollgate/test-utils';
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type BudgetStore, MemoryBudgetStore, parseAmount, RedisBudgetStore } from '../src/index.js';
import { ledger } from './helpers.js';

const redis = await connectTestRedis();
afterAll(() => redis?.disconnect());

/**
 * Decimal strings with 0–6 places up to 9,000,000,000 (inside the Redis store's 2^53 millionths), such as
 * "1234.5" or "0.000001", and JSON numbers with two places (0.1, 12.34).
 */
const amount = fc.oneof(
  fc.tuple(fc.bigInt({ min: 0n, max: 9n * 10n ** 15n }), fc.integer({ min: 0, max: 6 })).map(([micro, places]) => {
    const units = micro / 10n ** BigInt(6 - places);
    if (places === 0) return units.toString();
    const digits = units.toString().padStart(places + 1, '0');
    return `${digits.slice(0, -places)}.${digits.slice(-places)}`;
  }),
  fc.integer({ min: 0, max: 100_000 }).map((cents) => cents / 100),
);

const call = fc.record({ amount, settle: fc.constantFrom('commit', 'release', 'leave') });

/**
 * Reserves every call at once, then settles them; checks the store against a Decimal model:
 * committed + held never passes max, and spent is exactly the sum of the committed amounts.
 */
async function holdsExactly(store: BudgetStore, max: string, calls: { amount: string | number; settle: string }[]) {
  const key = 'prop';
  const now = 1_000;
  const outcomes = await Promise.all(
    calls.map((c, i) => store.reserve(`r${i}`, [{ key, max, amount: parseAmount(c.amount).toFixed() }], now)),
  );
  let committed = new Decimal(0);
  let held = new Decimal(0);
  outcomes.forEach((o, i) => {
    if (o.ok) held = held.plus(String(calls[i]!.amount));
  });
  expect(held.lessThanOrEqualTo(max)).toBe(true);
  await Promise.all(
    calls.map(async (c, i) => {
      if (!outcomes[i]!.ok || c.settle === 'leave') return;
      if (c.settle === 'release') return store.release(`r${i}`, [key], now);
      committed = committed.plus(String(c.amount));
      await store.commit(`r${i}`, [{ key, amount: parseAmount(c.amount).toFixed() }], now);
    }),
  );
  const state = await ledger(store, key, max, now);
  expect(new Decimal(state.spent).equals(committed)).toBe(true);
  expect(new Decimal(state.spent).plus(state.held).lessThanOrEqualTo(max)).toBe(true);
  const left = calls.filter((c, i) => outcomes[i]!.ok && c.settle === 'leave');
  expect(new Decimal(state.held).equals(left.reduce((s, c) => s.plus(String(c.amount)), new Decimal(0)))).toBe(true);
}

describe('budgets hold exactly for arbitrary decimal amounts', () => {
  it('in memory', async () => {
    await fc.assert(
      fc.asyncProperty(amount, fc.array(call, { maxLength: 40 }), (max, calls) =>
        holdsExactly(new MemoryBudgetStore(), parseAmount(max).toFixed(), calls),
      ),
      { numRuns: 200 },
    );
  });

  it.skipIf(!redis)('on Redis', async () => {
    await fc.assert(
      fc.asyncProperty(amount, fc.array(call, { maxLength: 40 }), async (max, calls) => {
        const prefix = testPrefix('budget-prop');
        try {
          await holdsExactly(
            new RedisBudgetStore({ redis: redis!, prefix, time: 'caller' }),
            parseAmount(max).toFixed(),
            calls,
          );
        } finally {
          await deletePrefix(redis!, prefix);
        }
      }),
      { numRuns: 60 },
    );
  });
});
