/**
 * Stable reason codes the rate and throttle gates produce. They never change meaning once released. A store that
 * cannot answer is core's `store_unavailable` (see `Reason` in @tollgate/core).
 */
export const RateReason = {
  /** A rate limit has no points left for this call; `retryAfterMs` says when it will. */
  rateLimited: 'rate_limited',
  /** The call costs more points than the limit allows in a whole window: it can never pass as it is. */
  costExceedsLimit: 'cost_exceeds_limit',
  /** The `cost` option produced something other than a whole number of points ≥ 0. */
  invalidCost: 'invalid_cost',
  /** No throttle slot came free within `maxWaitMs`. */
  throttleTimeout: 'throttle_timeout',
} as const;

/** One of {@link RateReason}'s values. */
export type RateReasonCode = (typeof RateReason)[keyof typeof RateReason];
