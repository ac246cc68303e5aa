import { errorName, errorText } from './errors.js';
import type { Gate, GateVerdict } from './gate.js';
import { Reason } from './reasons.js';

const UNAVAILABLE = Symbol.for('tollgate.UnavailableError');

/** Options for {@link UnavailableError}. */
export interface UnavailableErrorOptions {
  /** When a retry could succeed, in ms from now (default 1000). */
  retryAfterMs?: number;
  /** The error that made the backend unavailable (kept as `cause`). */
  cause?: unknown;
  /** Detail for the decision's `data` (e.g. the store's kind). */
  data?: Record<string, unknown>;
}

/**
 * Thrown by a gate whose backend (a store, a decision service, an audit log) cannot answer. The runner maps it
 * by the gate's {@link FailMode}: `store_unavailable` (closed, with `retryAfterMs`) or `store_unavailable_fail_open`
 * (open: the call runs unchecked, the error recorded on the decision).
 */
export class UnavailableError extends Error {
  override readonly name = 'UnavailableError';
  /** What is unavailable, for the model's message, e.g. `the rate store`, `BIGHUB`. */
  readonly what: string;
  /** ms from now */
  readonly retryAfterMs: number;
  readonly data: Record<string, unknown> | undefined;
  readonly [UNAVAILABLE] = true;

  constructor(what: string, options: UnavailableErrorOptions = {}) {
    const cause = options.cause === undefined ? '' : `: ${errorText(options.cause)}`;
    super(`${what} is unavailable${cause}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.what = what;
    this.retryAfterMs = options.retryAfterMs ?? 1000;
    this.data = options.data;
  }

  /** True for an UnavailableError from any copy of this package. */
  static is(err: unknown): err is UnavailableError {
    return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[UNAVAILABLE] === true;
  }
}

/** What a gate's own failure becomes, by its fail mode: a block (closed, the default) or a recorded allow (open). */
export function gateFailure(gate: Pick<Gate, 'name' | 'failMode'>, err: unknown): GateVerdict {
  const open = gate.failMode === 'open';
  if (UnavailableError.is(err)) {
    const cause = err.cause === undefined ? err : err.cause;
    const error = { name: errorName(cause), message: errorText(cause) };
    const data = { ...err.data, unavailable: err.what };
    if (open) {
      return {
        outcome: 'allow',
        reason: Reason.storeUnavailableFailOpen,
        message: `${capitalize(err.what)} is unavailable and ${gate.name} is fail-open, so the call was allowed unchecked.`,
        data,
        error,
      };
    }
    return {
      outcome: 'block',
      reason: Reason.storeUnavailable,
      message: `The ${gate.name} check could not be made because ${err.what} is unavailable, so the call did not run. Retry in ${seconds(err.retryAfterMs)}.`,
      retryAfterMs: err.retryAfterMs,
      data,
      error,
    };
  }
  const error = { name: errorName(err), message: errorText(err) };
  if (open) {
    return {
      outcome: 'allow',
      reason: Reason.gateErrorFailOpen,
      message: `${gate.name} failed and is fail-open: ${error.message}`,
      error,
    };
  }
  return {
    outcome: 'block',
    reason: Reason.gateError,
    message: `The ${gate.name} check could not be completed, so the call was blocked. Try again later.`,
    error,
  };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function seconds(ms: number): string {
  const s = Math.max(1, Math.ceil(ms / 1000));
  return s === 1 ? '1 second' : `${s} seconds`;
}
