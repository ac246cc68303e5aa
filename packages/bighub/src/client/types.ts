/**
 * BIGHUB's HTTP request and response shapes, with the API's snake_case field names
 * (facts from the bighub SDK 0.2.4 and bighub-openai 0.1.0 / 0.1.0b5 seeds). Responses are open: BIGHUB adds
 * fields over time, so every response type keeps an index signature.
 */

/** BIGHUB's six execution domains (seed bighub-sdk-0.2.4, "Execution Domains"). */
export const EXECUTION_DOMAINS = [
  'financial_actions',
  'operational_systems',
  'infrastructure_devops',
  'customer_transactions',
  'data_modifications',
  'custom',
] as const;

/** One of BIGHUB's six execution domains. */
export type ExecutionDomain = (typeof EXECUTION_DOMAINS)[number];

/**
 * The domain of an action: one of the six {@link ExecutionDomain}s, or another name a server knows (the adapter seeds
 * send `payments` and `it_actions`). Rules always live in one of the six.
 */
export type ActionDomain = ExecutionDomain | (string & {});

/** Body of `POST /actions/submit` and `/actions/submit/dry-run`. */
export interface SubmitActionRequest {
  /** The action's name, e.g. `refund_payment`. */
  action: string;
  /** A numeric size of the action (amount, count), compared against rules like `max_value`. */
  value?: number;
  /** The resource acted on, e.g. an order id. */
  target?: string;
  /** The agent acting. */
  actor?: string;
  /** An execution domain, e.g. `financial_actions`. */
  domain?: ActionDomain;
  /** Free-form context: system, risk, environment… */
  metadata?: Record<string, unknown>;
}

/** Body of `POST /actions/submit/v2` (the seed's `ActionSubmitV2Model`). */
export interface ActionSubmitV2 extends SubmitActionRequest {
  /** The decision context BIGHUB evaluates besides metadata (system, environment, arguments…). */
  context?: Record<string, unknown>;
  /** The caller's idempotency or correlation id, echoed back. */
  client_request_id?: string;
}

/** Body of `POST /actions/evaluate`. */
export interface EvaluateActionRequest {
  /** The action's name. */
  action: string;
  /** The agent acting (required by this endpoint). */
  actor: string;
  /** A numeric size of the action. */
  value?: number;
  /** The resource acted on. */
  target?: string;
  /** An execution domain. */
  domain?: ActionDomain;
  /** Free-form decision context (system, risk, environment, arguments…). */
  context?: Record<string, unknown>;
  /** True: evaluate only, record nothing as a real action. */
  dry_run?: boolean;
}

/** `responsible_action_space` of a Better-Decision response. */
export interface ResponsibleActionSpace {
  /** Options that may run as they are. */
  available?: unknown[];
  /** Options that may run within constraints. */
  constrained?: unknown[];
  /** Options that must not run. */
  forbidden?: unknown[];
  /** What to find out before deciding (shown to the model on `needs_context`). */
  information_gathering?: unknown[];
  [key: string]: unknown;
}

/**
 * A decision response, whichever generation answered: legacy (`allowed`, `result`), evaluate with
 * `recommendation` and `enforcement_mode`, or Better Decision (`mode`, `can_run`…). Map it with `mapDecision`.
 */
export interface BighubDecision {
  /** BIGHUB's id of this decision; the key of its approval and outcome report. */
  request_id?: string;
  /** Legacy: may the action run. */
  allowed?: boolean;
  /** Legacy: `allowed`, `blocked` or `requires_approval`. */
  result?: string;
  /** Human-readable reason. */
  reason?: string;
  /** The rule that blocked, e.g. `max_value`. */
  blocked_by?: string | null;
  /** Risk in [0, 1] (legacy and evaluate). */
  risk_score?: number;
  /** BIGHUB's hash of the validated action. */
  validation_hash?: string;
  /** A human must approve first. */
  requires_approval?: boolean;
  /** Evaluate: `proceed`, `proceed_with_caution`, `review_recommended` or `do_not_proceed`. */
  recommendation?: string;
  /** Evaluate: confidence of the recommendation in [0, 1]. */
  recommendation_confidence?: number;
  /** Evaluate: `advisory`, `review` or `enforced`. */
  enforcement_mode?: string;
  /** Evaluate: the binding verdict under `enforced` (`allowed`, `proceed`, `requires_approval`, `blocked`…). */
  enforced_verdict?: string;
  /** Evaluate: whether (or how) a human should review; `true` or `{ required: true }` asks for one. */
  human_review?: unknown;
  /** Evaluate: explanatory signals. */
  decision_intelligence?: unknown;
  /** Structured context used for the decision. */
  decision_packet?: unknown;
  /** Better Decision: `autonomous`, `constrained`, `review`, `blocked` or `needs_context`. */
  mode?: string;
  /** Better Decision: the tool call may execute now. */
  can_run?: boolean;
  /** Better Decision: a human should review first. */
  needs_review?: boolean;
  /** Better Decision: the agent should gather more information. */
  needs_more_context?: boolean;
  /** Better Decision: BIGHUB recommends not executing. */
  should_not_run?: boolean;
  /** Better Decision: risk in [0, 1]. */
  risk?: number;
  /** Better Decision: a safer alternative, when BIGHUB has one. */
  better_action?: string | null;
  /** Better Decision: factors that weighed on the decision. */
  salient_factors?: unknown[];
  /** Better Decision: options grouped as available, constrained, forbidden, information gathering. */
  responsible_action_space?: ResponsibleActionSpace;
  [key: string]: unknown;
}

/** One event of a memory ingest. `event_id` is the dedupe key; `seq` the position within the source's run. */
export interface MemoryEvent {
  /** Unique id; BIGHUB drops a repeated one. */
  event_id: string;
  /** Position of the event in its source's sequence. */
  seq: number;
  /** Version of this event schema (1). */
  schema_version: number;
  /** The sending library and version, e.g. `@tollgate/bighub@0.1.0`. */
  source_version: string;
  /** Tool name. */
  tool: string;
  /** How the call ended: `executed`, `blocked`, `approval_required`, `tool_error`. */
  status: string;
  /** The decision BIGHUB (or the runner) took. */
  decision?: unknown;
  /** The tool's arguments. */
  arguments?: unknown;
  /** The model's tool call id. */
  call_id?: string;
  /** The tool's return value. */
  output?: unknown;
  /** The tool's error. */
  error?: unknown;
  /** ISO 8601. */
  timestamp: string;
  [key: string]: unknown;
}

/** Body of `POST /actions/memory/ingest`. */
export interface MemoryIngestRequest {
  /** Who sends, e.g. `tollgate`. */
  source: string;
  /** The sending library and version. */
  source_version: string;
  /** The agent that acted. */
  actor?: string;
  /** The execution domain. */
  domain?: string;
  /** The LLM behind the agent. */
  model?: string;
  /** Ask BIGHUB to redact sensitive values server-side. */
  redact?: boolean;
  /** Name of BIGHUB's redaction policy. */
  redaction_policy?: string;
  /** Groups the events of one agent run. */
  trace_id?: string;
  /** The events, deduplicated by `event_id`. */
  events: MemoryEvent[];
}

/** Query of `GET /actions/memory/context`. */
export interface MemoryContextQuery {
  /** How far back to look, in hours (`window_hours`, default 24). */
  windowHours?: number;
  /** Only this tool. */
  tool?: string;
  /** Only this domain. */
  domain?: string;
  /** Only this actor. */
  actor?: string;
}

/** Answer of `GET /actions/memory/context`. */
export interface MemoryContext {
  /** Events in the window. */
  total_events: number;
  /** Share of blocked events, in [0, 1]. */
  blocked_rate: number;
  /** Share of events that waited for approval, in [0, 1]. */
  approval_rate: number;
  /** Share of events whose tool failed, in [0, 1]. */
  tool_error_rate: number;
  /** Mean risk of the events that carry one. */
  avg_risk_score: number | null;
  /** Most frequent tools. */
  top_tools: unknown[];
  /** Most frequent block reasons. */
  top_block_reasons: unknown[];
  /** Latest events, newest first. */
  recent_events: unknown[];
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
