/** Every endpoint the emulator serves, by name: the keys of per-endpoint latency and faults. */
export const EMULATOR_ENDPOINTS = [
  'submit',
  'submit_v2',
  'dry_run',
  'evaluate',
  'verify_validation',
  'action_status',
  'observer_stats',
  'dashboard_summary',
  'memory_ingest',
  'memory_context',
  'memory_refresh',
  'memory_recommendations',
  'outcomes',
  'approvals',
  'resolve',
  'kill_switch',
  'kill_switch_activate',
  'kill_switch_deactivate',
  'rules_create',
  'rules_list',
  'rules_domains',
  'rules_dry_run',
  'rules_validate',
  'rules_validate_dry_run',
  'rules_purge_idempotency',
  'rules_get',
  'rules_update',
  'rules_delete',
  'rules_pause',
  'rules_resume',
  'rules_apply_patch',
  'rules_versions',
  'events_list',
  'events_stats',
  'api_keys_create',
  'api_keys_list',
  'api_keys_scopes',
  'api_keys_validate',
  'api_keys_revoke',
  'api_keys_rotate',
  'auth_signup',
  'auth_login',
  'auth_refresh',
  'auth_logout',
  'webhooks_create',
  'webhooks_list',
  'webhooks_events',
  'webhooks_get',
  'webhooks_update',
  'webhooks_delete',
  'webhooks_deliveries',
  'webhooks_test',
  'webhooks_replay',
] as const;

/** The emulator's endpoints, by name, for per-endpoint latency and faults. */
export type EmulatorEndpoint = (typeof EMULATOR_ENDPOINTS)[number];

/** Which generation of BIGHUB's decision shape the emulator answers with. */
export type ResponseGeneration = 'legacy' | 'recommendation' | 'better_decision';

/** A fault injected on one endpoint. */
export interface EndpointFault {
  /** Answer with this status instead of handling the request. */
  status?: number;
  /** The fault's JSON body (default `{detail, code}`). */
  body?: unknown;
  /** Headers of the fault answer, e.g. `{ 'retry-after': '2' }` or `{ location: … }` for a redirect. */
  headers?: Record<string, string>;
  /** Destroy the connection without answering (a network error for the client). */
  drop?: boolean;
  /** Only the next `times` requests fail; afterwards the endpoint works (default: every request). */
  times?: number;
}

/**
 * What the emulated BIGHUB decides by configuration, and how it misbehaves. Every field is optional. Rules created
 * through the API (`POST /rules`) decide as well, beside these.
 */
export interface EmulatorRules {
  /** Actions whose `value` exceeds this are blocked (`blocked_by: max_value`). */
  maxValue?: number;
  /** Actions whose `value` exceeds this need a human approval. */
  requireApprovalAbove?: number;
  /** Action names that are always blocked. */
  blockedActions?: readonly string[];
  /** Per action name, the metadata (submit) or context (evaluate) keys it needs, else `needs_context`. */
  requireContext?: Readonly<Record<string, readonly string[]>>;
  /** Initial kill switch state; `true` or `{ reason }` activates it. */
  killSwitch?: boolean | { reason?: string };
  /** Shape of decision answers (default `legacy`). */
  generation?: ResponseGeneration;
  /** `enforcement_mode` of `recommendation` answers (default `enforced`). */
  enforcementMode?: 'advisory' | 'review' | 'enforced';
  /** A fixed decision body for every decision endpoint, overriding the rules (to exercise odd responses). */
  decision?: Record<string, unknown>;
  /** Delay before answering, in ms, per endpoint. */
  latencyMs?: Partial<Record<EmulatorEndpoint, number>>;
  /** Injected faults, per endpoint. */
  faults?: Partial<Record<EmulatorEndpoint, EndpointFault>>;
}
