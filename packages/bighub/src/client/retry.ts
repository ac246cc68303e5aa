import { BighubApiError, BighubConflictError, BighubNetworkError, BighubTimeoutError } from './errors.js';

/** How the client backs off between attempts. */
export interface RetryOptions {
  /** Retries after the first attempt (default 2, as the Python SDK). */
  retries?: number;
  /** Delay before the first retry, in ms (default 250). */
  baseDelayMs?: number;
  /** Cap of the exponential part, in ms (default 2500). */
  maxDelayMs?: number;
  /** Up to this many ms of random jitter added to each delay (default 100). */
  jitterMs?: number;
  /** A `Retry-After` longer than this (ms) is not waited for: the error is thrown at once (default 30 000). */
  maxRetryAfterMs?: number;
}

/** Status codes worth another attempt (the Python SDK's list): timeout, conflict, too early, rate limit, 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}

/**
 * Whether an error thrown by one attempt is worth another: a retryable status, a timeout or a network failure.
 * A 409 that names its conflict (`code`, e.g. `version_conflict`, `already_resolved`) is final.
 */
export function isRetryableError(err: unknown): boolean {
  if (err instanceof BighubConflictError) return err.code === undefined;
  if (err instanceof BighubApiError) return isRetryableStatus(err.status);
  return err instanceof BighubTimeoutError || err instanceof BighubNetworkError;
}

/**
 * Backoff before retry `attempt` (1-based): `min(maxDelayMs, baseDelayMs · 2^(attempt-1)) + random · jitterMs`,
 * the bighub-openai formula (min(2.5 s, 0.25 s · 2^(n-1)) + jitter).
 */
export function backoffDelayMs(attempt: number, options: RetryOptions, random: () => number): number {
  const base = options.baseDelayMs ?? 250;
  const max = options.maxDelayMs ?? 2500;
  const jitter = options.jitterMs ?? 100;
  return Math.min(max, base * 2 ** (attempt - 1)) + random() * jitter;
}

/**
 * Parses a `Retry-After` header (RFC 9110 §10.2.3): delay-seconds or an HTTP date.
 * @returns ms from `nowMs` (never negative), or `undefined` when absent or unparsable
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value == null) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
