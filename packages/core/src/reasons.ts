/**
 * Stable reason codes the runner itself produces. Gates add their own (`rate_limited`, `budget_exceeded`, …);
 * these never change meaning once released.
 */
export const Reason = {
  /** The handler ran and returned. */
  executed: 'executed',
  /** A dry run found nothing blocking. */
  allowed: 'allowed',
  /** A gate allowed. */
  ok: 'ok',
  /** Arguments were a string that is not JSON. */
  invalidJson: 'invalid_json',
  /** Arguments failed the tool's JSON Schema, were not an object, or held a forbidden key. */
  invalidArguments: 'invalid_arguments',
  /** No tool of that name is registered. */
  unknownTool: 'unknown_tool',
  /** A gate threw; with `failMode: 'closed'` the call is blocked. */
  gateError: 'gate_error',
  /** A gate threw and `failMode: 'open'` let the call through. */
  gateErrorFailOpen: 'gate_error_fail_open',
  /** The handler threw. */
  toolError: 'tool_error',
  /** A gate asked for a human. */
  approvalRequired: 'approval_required',
  /** No approval has that id. */
  approvalNotFound: 'approval_not_found',
  /** The approval is not decided yet. */
  approvalPending: 'approval_pending',
  /** A human denied it. */
  approvalDenied: 'approval_denied',
  /** Nobody decided before it expired; counts as denied. */
  approvalExpired: 'approval_expired',
  /** It was already used by an earlier resume. */
  approvalConsumed: 'approval_consumed',
  /** The arguments presented differ from the ones approved. */
  approvalArgsChanged: 'approval_args_changed',
  /** It was already decided. */
  approvalAlreadyDecided: 'approval_already_decided',
  /** The approval store failed. */
  approvalStoreError: 'approval_store_error',
} as const;

/** One of {@link Reason}'s values. */
export type RunnerReason = (typeof Reason)[keyof typeof Reason];
