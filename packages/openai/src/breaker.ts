import { type CircuitBreakerPolicy, ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import OpenAI from 'openai';

/** Circuit breaker settings for model calls. */
export interface BreakerOptions {
  /** Consecutive provider failures that open the circuit (default 5). */
  consecutiveFailures?: number;
  /** How long the circuit stays open before one trial call is let through (ms, default 30 000). */
  halfOpenAfterMs?: number;
}

/**
 * Failures that say the provider is unwell: no connection, a timeout, 429 or 5xx. A 400 or 401 is our
 * request's fault, and opening the circuit would not help.
 */
export function isProviderFailure(err: Error): boolean {
  if (err instanceof OpenAI.APIConnectionError) return true;
  if (err instanceof OpenAI.APIError) return err.status === undefined || err.status === 429 || err.status >= 500;
  return false;
}

/** A cockatiel circuit breaker over provider failures (the library the BIGHUB gate uses too). */
export function createBreaker(options: BreakerOptions = {}): CircuitBreakerPolicy {
  return circuitBreaker(handleWhen(isProviderFailure), {
    halfOpenAfter: options.halfOpenAfterMs ?? 30_000,
    breaker: new ConsecutiveBreaker(options.consecutiveFailures ?? 5),
  });
}
