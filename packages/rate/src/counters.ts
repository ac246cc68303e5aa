// Talking to rate-limiter-flexible limiters: consume, read and give back, with insurance routing.
import type { Clock } from '@tollgate/core';
import { errorText } from '@tollgate/core';
import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { ResolvedLimit } from './limits.js';

/** One limit bound to its store's limiters. */
export interface Bound {
  limit: ResolvedLimit;
  primary: RateLimiterAbstract;
  insurance: RateLimiterAbstract | undefined;
}

/** Points a call holds in one limit until it ends. */
export interface Held {
  limiter: RateLimiterAbstract;
  key: string;
  cost: number;
  /** When the window those points were counted in ends (runner clock); a later release has nothing to give back. */
  windowEndsAt: number | undefined;
}

/** How a consume ended: counted, refused by the limit, or the store failed. */
export type Attempt =
  | { kind: 'ok' | 'limited'; res: RateLimiterRes; limiter: RateLimiterAbstract; key: string; insured: boolean }
  | { kind: 'unavailable'; error: unknown };

/**
 * Consumes from the store, or from its insurance limiter when the store fails. We route to insurance
 * ourselves instead of passing rate-limiter-flexible's `insuranceLimiter` option, because that option also
 * reroutes a failed `reward` to the in-memory limiter, crediting points it never counted.
 */
export async function consume(bound: Bound, key: string, cost: number): Promise<Attempt> {
  const first = await settle(bound.primary, key, cost, false);
  if (first.kind !== 'unavailable' || !bound.insurance) return first;
  return settle(bound.insurance, key, cost, true);
}

async function settle(limiter: RateLimiterAbstract, key: string, cost: number, insured: boolean): Promise<Attempt> {
  try {
    return { kind: 'ok', res: await limiter.consume(key, cost), limiter, key, insured };
  } catch (err) {
    // rate-limiter-flexible rejects with a RateLimiterRes when the limit refuses, with an Error when the store fails.
    if (err instanceof RateLimiterRes) return { kind: 'limited', res: err, limiter, key, insured };
    return { kind: 'unavailable', error: err };
  }
}

/** How a dry-run read ended (`res` null: no calls counted in this window). */
export type Read =
  | { kind: 'ok'; res: RateLimiterRes | null; insured: boolean }
  | { kind: 'unavailable'; error: unknown };

/** Reads a counter (dry run), from insurance when the store fails. */
export async function get(bound: Bound, key: string): Promise<Read> {
  try {
    return { kind: 'ok', res: await bound.primary.get(key), insured: false };
  } catch (error) {
    if (!bound.insurance) return { kind: 'unavailable', error };
    return { kind: 'ok', res: await bound.insurance.get(key), insured: true };
  }
}

/**
 * Gives held points back, last taken first. Points counted in a window that has since ended are not
 * given back: `reward` on an expired key would credit the next window instead.
 * Throws one error naming every limit it failed to credit (the runner reports it as a warning).
 */
export async function giveBack(held: Held[], clock: Clock): Promise<void> {
  const failures: string[] = [];
  for (let i = held.length - 1; i >= 0; i--) {
    const h = held[i]!;
    if (h.windowEndsAt !== undefined && clock.now() >= h.windowEndsAt) continue;
    try {
      await h.limiter.reward(h.key, h.cost);
    } catch (err) {
      failures.push(`${h.limiter.keyPrefix}:${h.key}: ${errorText(err)}`);
    }
  }
  if (failures.length > 0) throw new Error(`could not give rate points back (${failures.join('; ')})`);
}
