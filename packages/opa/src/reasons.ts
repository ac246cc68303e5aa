/** Stable reason codes of the OPA gate; a policy's own `reason` replaces them when it gives a snake_case one. */
export const OpaReason = {
  /** The policy allowed the call. */
  ok: 'ok',
  /** The policy denied the call (`false`, `allow: false`, `effect: "block"` or a non-empty `deny`). */
  denied: 'opa_denied',
  /** The policy asked for a human (`effect: "require_approval"` or `requires_approval` / `requires_hitl`). */
  approvalRequired: 'opa_approval_required',
  /** The decision path is undefined in OPA (no rule produced it, or no such package): default-deny. */
  undefinedDecision: 'opa_undefined',
  /** OPA answered, but its body is not JSON. */
  invalidJson: 'opa_invalid_json',
  /** OPA's answer is longer than `maxResponseBytes`. */
  responseTooLarge: 'opa_response_too_large',
  /** The decision is neither a boolean nor an object of the documented shape. */
  badResult: 'opa_bad_result',
  /** OPA refused the request with a 4xx (bad input, bad path, unauthorized); its error is in `data`. */
  requestRejected: 'opa_request_rejected',
} as const;
