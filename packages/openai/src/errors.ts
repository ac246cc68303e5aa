import type { Execution } from './types.js';

/** Why a model call failed. */
export type ModelCallErrorCode =
  /** The circuit breaker is open after repeated provider failures: no request was sent. */
  | 'model_unavailable'
  /** The provider answered with an error, or the request failed (the SDK's error is the `cause`). */
  | 'model_error';

/**
 * Thrown by `run`/`resume` (and their streams) when a model call fails. Tool calls never throw; this carries
 * the tool results of the run so far, so a failure after a tool ran still tells the application what ran.
 */
export class ModelCallError extends Error {
  override readonly name = 'ModelCallError';
  constructor(
    readonly code: ModelCallErrorCode,
    message: string,
    /** Tool results of this run before the failure. */
    readonly execution: Execution,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Why `resume` refused its input. */
export type ResumeInputErrorCode =
  /** The state is not a schema-version-1 run state of this adapter's API. */
  | 'invalid_run_state'
  /** A decision names an approval id that is not pending in the state. */
  | 'unknown_approval'
  /** A decision is not `{approve: boolean, by: non-empty string, comment?: string}`. */
  | 'invalid_decision'
  /** The state was already resumed (one of its approvals is consumed): continue from the state that resume returned. */
  | 'run_state_used'
  /** The approval store could not be read, so the state's caller and round cannot be checked: nothing was resumed. */
  | 'approval_store_error';

/** Thrown by `resume` before it changes anything, when the state or the decisions are unusable. */
export class ResumeInputError extends TypeError {
  override readonly name = 'ResumeInputError';
  constructor(
    readonly code: ResumeInputErrorCode,
    message: string,
  ) {
    super(message);
  }
}
