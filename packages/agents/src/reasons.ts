/** Stable codes this package emits; a code never changes meaning once released. */
export const AgentsReason = {
  /** The guardrail gate allowed: every SDK tool input guardrail said `allow`. */
  ok: 'ok',
  /** An SDK tool input guardrail answered `rejectContent`; its message is the call's message. */
  guardrailRejected: 'guardrail_rejected',
  /** An SDK tool input guardrail answered `throwException` (a tripwire); the call is blocked, the run goes on. */
  guardrailTripwire: 'guardrail_tripwire',
  /** The `caller` function threw, so nobody could be named for the call; it did not run. */
  callerError: 'agents_caller_error',
  /** The approval index could not be read, so a paused call could not be matched to its approval; it did not run. */
  approvalIndexError: 'agents_approval_index_error',
  /** `approve`/`reject` found no tollgate approval for the interruption (paused in another process, or never asked). */
  noApproval: 'approval_not_found',
} as const;

/** One of {@link AgentsReason}'s codes. */
export type AgentsReasonCode = (typeof AgentsReason)[keyof typeof AgentsReason];
