/** Stable reason codes of {@link ProvenanceGate}'s decisions. */
export const ProvenanceReason = {
  /** Every sink value came from the user, the system or a trusted source (or the call has none). */
  ok: 'ok',
  /** A sink value occurs only in untrusted content (a tool output no one declared trusted). */
  untrustedValue: 'untrusted_value',
  /** A sink value occurs nowhere in the run, and the sink's `unseen` is not `allow`. */
  unseenValue: 'unseen_value',
  /** The call has sink values but no provenance to look them up in (nothing fed `ctx.provenance`). */
  provenanceMissing: 'provenance_missing',
} as const;

/** One of {@link ProvenanceReason}'s values. */
export type ProvenanceReasonCode = (typeof ProvenanceReason)[keyof typeof ProvenanceReason];
