/**
 * Stable reason codes the runner itself produces. Gates add their own (`rate_limited`, `budget_exceeded`, …) in
 * their package's table; a code never changes meaning once released. The naming rule: `ok` for an allowing gate,
 * a package prefix only where a code would otherwise be ambiguous.
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
  /** Arguments failed the tool's schema, were not an object, could not be read, or held a forbidden key. */
  invalidArguments: 'invalid_arguments',
  /** No tool of that name is registered. */
  unknownTool: 'unknown_tool',
  /** A gate threw (or returned no verdict) and is fail-closed, so the call was blocked. */
  gateError: 'gate_error',
  /** A gate threw and `failMode: 'open'` let the call through; the error is on the decision. */
  gateErrorFailOpen: 'gate_error_fail_open',
  /** A gate's backend (store, decision service, audit log) is unavailable and the gate is fail-closed. */
  storeUnavailable: 'store_unavailable',
  /** A gate's backend is unavailable and `failMode: 'open'` let the call through unchecked. */
  storeUnavailableFailOpen: 'store_unavailable_fail_open',
  /** The handler threw. */
  toolError: 'tool_error',
  /** A gate that asked for this call's approval, on its resume: a human approved it. */
  approved: 'approved',
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
  /** The arguments presented (or the stored record) differ from the ones approved. */
  approvalArgsChanged: 'approval_args_changed',
  /** The caller presented on resume (actor, tenant, session, scopes, roles, metadata) is not the one approved. */
  approvalCallerChanged: 'approval_caller_changed',
  /** The `bind` facts presented on resume differ from the ones the approval was made under. */
  approvalBindingChanged: 'approval_binding_changed',
  /** It was already decided. */
  approvalAlreadyDecided: 'approval_already_decided',
  /** With a quorum: the approver is the call's own actor. */
  approvalSelfApproval: 'approval_self_approval',
  /** With a quorum that lists approvers: the decider is not one of them. */
  approvalNotApprover: 'approval_not_approver',
  /** With a quorum: this person already approved; the next approval must come from someone else. */
  approvalDuplicateApprover: 'approval_duplicate_approver',
  /** `approve`/`deny` without a valid decision (`by` missing or empty). */
  invalidDecision: 'invalid_decision',
  /** The approval store failed. */
  approvalStoreError: 'approval_store_error',
} as const;

/** One of {@link Reason}'s values. */
export type RunnerReason = (typeof Reason)[keyof typeof Reason];
