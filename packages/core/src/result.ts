import type { ApprovalQuorum } from './approvals.js';
import type { GateDecision } from './gate.js';

/** How a call ended. */
export type GateStatus = 'executed' | 'blocked' | 'approval_required' | 'tool_error' | 'allowed';

/** The pending approval a call is waiting for. */
export interface ApprovalTicket {
  id: string;
  /** Gates that asked for approval (usually one); a resume skips exactly these. */
  gates: string[];
  reason: string;
  message?: string;
  /** Expiry, ms since the epoch; an approval not decided by then counts as denied. */
  expiresAt: number;
  /** SHA-256 (hex) of the RFC 8785 canonical JSON of `{tool, callId, args, caller, bind}` ({@link approvalDigest}). */
  digest: string;
  /** Each asking gate's data, by gate name (e.g. BIGHUB's `request_id`). */
  data: Record<string, Record<string, unknown> | undefined>;
  /** Who must approve, when an asking gate set a quorum (see {@link ApprovalQuorum}). */
  quorum?: ApprovalQuorum;
}

/** Where time went, in ms. */
export interface GateTimings {
  /** ms since the epoch, by the runner's clock. */
  startedAt: number;
  gatesMs: number;
  handlerMs: number;
  totalMs: number;
}

/** The one shape every call ends as, whatever happened. */
export interface GateResult<R = unknown> {
  /**
   * `executed`: the handler ran and returned; `blocked`: a gate (or validation) stopped it;
   * `approval_required`: it waits for a human; `tool_error`: the handler threw;
   * `allowed`: only from a dry run ({@link GatedToolRunner.check}), the call would run.
   */
  status: GateStatus;
  /** True for `executed` and `allowed`. */
  allowed: boolean;
  tool: string;
  callId: string;
  /** The handler's return value. */
  result?: R;
  /** The handler's error, by name and message. */
  error?: { name: string; message: string };
  /** Gate (or `validation`, `registry`, `approval`, `runner`) that stopped the call. */
  blockedBy?: string;
  /** Stable machine reason code. */
  reason: string;
  /** For the model: what happened and what it can do. */
  message: string;
  retryAfterMs?: number;
  /** Every decision taken, in pipeline order. */
  decisions: GateDecision[];
  /** The pending approval, for `approval_required`. */
  approval?: ApprovalTicket;
  /** Set when this result comes from {@link GatedToolRunner.resume}. */
  resumedFrom?: string;
  /** Failures after the fact (a reservation that failed to settle, an audit sink that failed): never silent. */
  warnings?: string[];
  dryRun?: boolean;
  traceId: string;
  /** Unique id of this result. */
  eventId: string;
  timings: GateTimings;
}
