import { path, type Transport } from './transport.js';
import type {
  ActionDomain,
  ActionSubmitV2,
  BighubDecision,
  EvaluateActionRequest,
  MemoryContext,
  MemoryContextQuery,
  MemoryIngestRequest,
  RequestOptions,
  SubmitActionRequest,
} from './types.js';

/** Body of `POST /actions/verify-validation`: is this `validation_hash` one BIGHUB issued? */
export interface VerifyValidationRequest {
  /** The `validation_hash` of a decision. */
  validation_hash: string;
  /** The decision's `request_id`; when given, the hash must belong to it. */
  request_id?: string;
}

/** Answer of `POST /actions/verify-validation`. */
export interface ValidationVerification {
  /** True when BIGHUB issued this hash (for this request id, when one was given). */
  valid: boolean;
  /** The decision the hash belongs to. */
  request_id?: string;
  /** The decided action's name. */
  action?: string;
  /** The decision's result: `allowed`, `blocked`, `requires_approval`… */
  result?: string;
  [key: string]: unknown;
}

/** Answer of `GET /actions/{request_id}/status`: where a decided action stands. */
export interface ActionStatus {
  request_id: string;
  /** `allowed`, `blocked`, `needs_context`, `pending_approval`, `approved` or `denied`. */
  status: string;
  /** The action's name. */
  action: string;
  /** The decision as BIGHUB answered it. */
  decision?: BighubDecision;
  /** ISO 8601. */
  decided_at?: string;
  /** ISO 8601, once an approval was resolved. */
  resolved_at?: string;
  [key: string]: unknown;
}

/** Query of `GET /actions/observer/stats`. */
export interface ObserverStatsQuery {
  /** How far back to count, in hours (`window_hours`, default 24). */
  windowHours?: number;
  /** Only this domain. */
  domain?: string;
}

/** Answer of `GET /actions/observer/stats`: counts of decided actions. */
export interface ObserverStats {
  window_hours: number;
  total: number;
  allowed: number;
  blocked: number;
  requires_approval: number;
  needs_context: number;
  /** Decisions per domain. */
  by_domain: Record<string, number>;
  /** Decisions per action name. */
  by_action: Record<string, number>;
  /** Blocks per `blocked_by`. */
  blocked_by: Record<string, number>;
  [key: string]: unknown;
}

/** Answer of `GET /actions/dashboard/summary`: the control plane at a glance. */
export interface DashboardSummary {
  actions: { total: number; allowed: number; blocked: number; requires_approval: number };
  approvals: { pending: number };
  rules: { active: number; paused: number };
  kill_switch: { active: boolean };
  webhooks: { active: number };
  memory: { events: number };
  [key: string]: unknown;
}

/** Body of `POST /actions/memory/refresh` (admin-scoped server-side). */
export interface RefreshMemoryAggregatesRequest {
  /** Refresh without locking readers (`REFRESH … CONCURRENTLY`). */
  concurrent?: boolean;
  /** The window to refresh, in hours. */
  window_hours?: number;
}

/** Body of `POST /actions/memory/recommendations` (Pro/Enterprise on BIGHUB). */
export interface MemoryRecommendationsRequest {
  /** How far back to learn from, in hours. */
  window_hours?: number;
  /** What the recommendations are for. */
  scope?: { domain?: ActionDomain; tool?: string; actor?: string };
  /** Fewest events in scope before anything is recommended. */
  min_events?: number;
  /** Apply safe patches at once (BIGHUB never applies a patch that loosens a rule). */
  auto_apply?: boolean;
}

/** One operation of an RFC 6902 JSON Patch. */
export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

/** One policy recommendation learned from memory. */
export interface MemoryRecommendation {
  recommendation_id: string;
  /** What the recommendation covers. */
  scope: { domain?: string; tool?: string; actor?: string };
  time_window_hours: number;
  /** Heuristic impact: events considered, rates, extra reviews expected. */
  impact_estimate: Record<string, unknown>;
  /** The change, as a JSON Patch on the target rule. */
  suggested_policy_patch: JsonPatchOperation[];
  /** Tightens only. */
  is_safe_patch: boolean;
  /** Always false for what BIGHUB recommends. */
  risk_increasing_patch: boolean;
  /** True by default: a human should look first. */
  requires_human_review: boolean;
  /** The rule the patch applies to. */
  target_rule_id: string;
  /** How the target rule was chosen. */
  rule_selector?: Record<string, unknown>;
  /** `/rules/{id}/apply_patch`. */
  apply_endpoint?: string;
  /** True when `auto_apply` applied it. */
  applied?: boolean;
  [key: string]: unknown;
}

/** Answer of `POST /actions/memory/recommendations`. */
export interface MemoryRecommendations {
  recommendations: MemoryRecommendation[];
  [key: string]: unknown;
}

/** `client.actions`: decisions, their verification and status, statistics and future memory. */
export class ActionsApi {
  constructor(private readonly http: Transport) {}

  /** `POST /actions/submit`: validates and records an action (legacy decision shape). */
  submit(action: SubmitActionRequest, options?: RequestOptions): Promise<BighubDecision> {
    return this.http.send({ method: 'POST', path: '/actions/submit', body: action }, options);
  }

  /** `POST /actions/submit/v2`: the typed submit (`ActionSubmitV2Model` in the Python SDK). */
  submitV2(action: ActionSubmitV2, options?: RequestOptions): Promise<BighubDecision> {
    return this.http.send({ method: 'POST', path: '/actions/submit/v2', body: action }, options);
  }

  /** `POST /actions/submit/dry-run`: a submit that records nothing and opens no approval. */
  dryRun(action: SubmitActionRequest, options?: RequestOptions): Promise<BighubDecision> {
    return this.http.send({ method: 'POST', path: '/actions/submit/dry-run', body: action, readOnly: true }, options);
  }

  /** `POST /actions/evaluate`: a decision with `recommendation` and, on newer servers, Better-Decision fields. */
  evaluate(action: EvaluateActionRequest, options?: RequestOptions): Promise<BighubDecision> {
    return this.http.send(
      { method: 'POST', path: '/actions/evaluate', body: action, readOnly: action.dry_run === true },
      options,
    );
  }

  /** `POST /actions/verify-validation`: checks that a `validation_hash` is one BIGHUB issued. */
  verifyValidation(request: VerifyValidationRequest, options?: RequestOptions): Promise<ValidationVerification> {
    return this.http.send(
      { method: 'POST', path: '/actions/verify-validation', body: request, readOnly: true },
      options,
    );
  }

  /** `GET /actions/{request_id}/status`: the decision and, for approvals, whether a human resolved it. */
  status(requestId: string, options?: RequestOptions): Promise<ActionStatus> {
    return this.http.send({ method: 'GET', path: path`/actions/${requestId}/status` }, options);
  }

  /** `GET /actions/observer/stats`: counts of decided actions in a window. */
  observerStats(query: ObserverStatsQuery = {}, options?: RequestOptions): Promise<ObserverStats> {
    const q = { window_hours: query.windowHours, domain: query.domain };
    return this.http.send({ method: 'GET', path: '/actions/observer/stats', query: q }, options);
  }

  /** `GET /actions/dashboard/summary`: actions, approvals, rules, kill switch, webhooks and memory at a glance. */
  dashboardSummary(options?: RequestOptions): Promise<DashboardSummary> {
    return this.http.send({ method: 'GET', path: '/actions/dashboard/summary' }, options);
  }

  /** `POST /actions/memory/ingest`: stores governed execution events (deduplicated by `event_id`). */
  ingestMemory(request: MemoryIngestRequest, options?: RequestOptions): Promise<Record<string, unknown>> {
    return this.http.send({ method: 'POST', path: '/actions/memory/ingest', body: request }, options);
  }

  /** `GET /actions/memory/context`: aggregates over ingested events (blocked rate, top reasons and tools…). */
  memoryContext(query: MemoryContextQuery = {}, options?: RequestOptions): Promise<MemoryContext> {
    const q = { window_hours: query.windowHours, tool: query.tool, domain: query.domain, actor: query.actor };
    return this.http.send({ method: 'GET', path: '/actions/memory/context', query: q }, options);
  }

  /** `POST /actions/memory/refresh`: refreshes the materialised memory aggregates (admin-scoped server-side). */
  refreshMemoryAggregates(
    request: RefreshMemoryAggregatesRequest = {},
    options?: RequestOptions,
  ): Promise<Record<string, unknown>> {
    return this.http.send({ method: 'POST', path: '/actions/memory/refresh', body: request }, options);
  }

  /**
   * `POST /actions/memory/recommendations`: safe JSON Patch suggestions learned from memory, each aimed at one rule;
   * preview and apply them with `client.rules.applyPatch` (Pro/Enterprise on BIGHUB).
   */
  memoryRecommendations(
    request: MemoryRecommendationsRequest = {},
    options?: RequestOptions,
  ): Promise<MemoryRecommendations> {
    return this.http.send({ method: 'POST', path: '/actions/memory/recommendations', body: request }, options);
  }
}
