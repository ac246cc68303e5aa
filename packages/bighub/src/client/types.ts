/**
 * BIGHUB's HTTP request and response shapes, with the API's snake_case field names
 * (facts from the bighub SDK 0.2.4 and bighub-openai 0.1.0 / 0.1.0b5 seeds). Responses are open: BIGHUB adds
 * fields over time, so every response type keeps an index signature.
 */

/** Body of `POST /actions/submit`, `/actions/submit/v2` and `/actions/submit/dry-run`. */
export interface SubmitActionRequest {
  /** The action's name, e.g. `refund_payment`. */
  action: string;
  /** A numeric size of the action (amount, count), compared against rules like `max_value`. */
  value?: number;
  /** The resource acted on, e.g. an order id. */
  target?: string;
  /** The agent acting. */
  actor?: string;
  /** An execution domain, e.g. `financial_actions`, `it_actions`. */
  domain?: string;
  /** Free-form context: system, risk, environment… */
  metadata?: Record<string, unknown>;
}

/** Body of `POST /actions/evaluate`. */
export interface EvaluateActionRequest {
  action: string;
  actor: string;
  value?: number;
  target?: string;
  domain?: string;
  /** Free-form decision context (system, risk, environment, arguments…). */
  context?: Record<string, unknown>;
  /** True: evaluate only, record nothing as a real action. */
  dry_run?: boolean;
}

/** `responsible_action_space` of a Better-Decision response. */
export interface ResponsibleActionSpace {
  available?: unknown[];
  constrained?: unknown[];
  forbidden?: unknown[];
  information_gathering?: unknown[];
  [key: string]: unknown;
}

/**
 * A decision response, whichever generation answered: legacy (`allowed`, `result`), evaluate with
 * `recommendation` and `enforcement_mode`, or Better Decision (`mode`, `can_run`…). Map it with `mapDecision`.
 */
export interface BighubDecision {
  request_id?: string;
  // legacy
  allowed?: boolean;
  result?: string;
  reason?: string;
  blocked_by?: string | null;
  risk_score?: number;
  validation_hash?: string;
  requires_approval?: boolean;
  // evaluate
  recommendation?: string;
  recommendation_confidence?: number;
  enforcement_mode?: string;
  enforced_verdict?: string;
  human_review?: unknown;
  decision_intelligence?: unknown;
  decision_packet?: unknown;
  // Better Decision
  mode?: string;
  can_run?: boolean;
  needs_review?: boolean;
  needs_more_context?: boolean;
  should_not_run?: boolean;
  risk?: number;
  better_action?: string | null;
  salient_factors?: unknown[];
  responsible_action_space?: ResponsibleActionSpace;
  [key: string]: unknown;
}

/** An approval as `GET /approvals` lists it. */
export interface BighubApproval {
  request_id: string;
  status: string;
  action?: string;
  actor?: string;
  value?: number;
  target?: string;
  domain?: string;
  created_at?: string;
  [key: string]: unknown;
}

/** Body of `POST /approvals/{request_id}/resolve`. */
export interface ResolveApprovalRequest {
  resolution: 'approved' | 'denied';
  comment?: string;
}

/** One event of a memory ingest. `event_id` is the dedupe key; `seq` the position within the source's run. */
export interface MemoryEvent {
  event_id: string;
  seq: number;
  schema_version: number;
  source_version: string;
  tool: string;
  status: string;
  decision?: unknown;
  arguments?: unknown;
  call_id?: string;
  output?: unknown;
  error?: unknown;
  /** ISO 8601. */
  timestamp: string;
  [key: string]: unknown;
}

/** Body of `POST /actions/memory/ingest`. */
export interface MemoryIngestRequest {
  source: string;
  source_version: string;
  actor?: string;
  domain?: string;
  model?: string;
  /** Ask BIGHUB to redact sensitive values server-side. */
  redact?: boolean;
  redaction_policy?: string;
  trace_id?: string;
  events: MemoryEvent[];
}

/** Query of `GET /actions/memory/context`. */
export interface MemoryContextQuery {
  window_hours?: number;
  tool?: string;
  domain?: string;
  actor?: string;
}

/** Answer of `GET /actions/memory/context`. */
export interface MemoryContext {
  total_events: number;
  blocked_rate: number;
  approval_rate: number;
  tool_error_rate: number;
  avg_risk_score: number | null;
  top_tools: unknown[];
  top_block_reasons: unknown[];
  recent_events: unknown[];
  [key: string]: unknown;
}

/** Body of `POST /outcomes/report`. */
export interface OutcomeReport {
  /** `SUCCESS`, `FAILURE`, `BLOCKED`… */
  status: string;
  request_id?: string;
  description?: string;
  details?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Answer of `GET /kill-switch/status`. `active: true` means every action must be blocked. */
export interface KillSwitchStatus {
  active: boolean;
  reason?: string;
  scope?: string;
  domain?: string;
  [key: string]: unknown;
}

/** Per-call options every client method takes. */
export interface RequestOptions {
  /** Overrides the client's timeout for this call (ms). */
  timeoutMs?: number;
  /** Overrides the client's retries for this call. */
  retries?: number;
  /** Aborts the call (and its retries). */
  signal?: AbortSignal;
  /** The `Idempotency-Key` for a POST; generated once per call when absent. */
  idempotencyKey?: string;
}
