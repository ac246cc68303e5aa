/** Stable reason codes of the Cedar gate; a policy's `@reason("…")` annotation replaces them when it decides. */
export const CedarReason = {
  /** A permit policy allowed the call. */
  ok: 'ok',
  /** A forbid policy matched. */
  denied: 'cedar_denied',
  /** No permit policy matched (Cedar's default deny). */
  noPermit: 'cedar_no_permit',
  /** The permit that allowed the call carries `@effect("require_approval")`. */
  approvalRequired: 'cedar_approval_required',
} as const;
