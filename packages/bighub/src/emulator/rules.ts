import { createHash } from 'node:crypto';

/** The emulator's endpoints, by name, for per-endpoint latency and faults. */
export type EmulatorEndpoint =
  | 'submit'
  | 'submit_v2'
  | 'dry_run'
  | 'evaluate'
  | 'approvals'
  | 'resolve'
  | 'memory_ingest'
  | 'memory_context'
  | 'outcomes'
  | 'kill_switch'
  | 'kill_switch_activate'
  | 'kill_switch_deactivate';

/** Which generation of BIGHUB's decision shape the emulator answers with. */
export type ResponseGeneration = 'legacy' | 'recommendation' | 'better_decision';

/** A fault injected on one endpoint. */
export interface EndpointFault {
  /** Answer with this status instead of handling the request. */
  status?: number;
  /** The fault's JSON body (default `{detail, code}`). */
  body?: unknown;
  /** Headers of the fault answer, e.g. `{ 'retry-after': '2' }`. */
  headers?: Record<string, string>;
  /** Destroy the connection without answering (a network error for the client). */
  drop?: boolean;
  /** Only the next `times` requests fail; afterwards the endpoint works (default: every request). */
  times?: number;
}

/** What the emulated BIGHUB decides and how it misbehaves. Every field is optional. */
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

/** An action as the decision endpoints receive it. */
export interface EmulatedAction {
  /** The action's name. */
  action: string;
  /** Its numeric size, compared with `maxValue` and `requireApprovalAbove`. */
  value?: number;
  /** The resource acted on. */
  target?: string;
  /** The agent acting. */
  actor?: string;
  /** The execution domain. */
  domain?: string;
  /** `metadata` (submit) or `context` (evaluate). */
  context: Record<string, unknown>;
}

/** What the rules make of an action, before it is shaped into a generation's answer. */
export interface Verdict {
  /** What the rules decided. */
  kind: 'allow' | 'approval' | 'block' | 'needs_context';
  /** Human-readable reason. */
  reason: string;
  /** The rule that blocked (`kill_switch`, `blocked_action`, `max_value`). */
  blockedBy?: string;
  /** A fixed risk in [0, 1] per kind. */
  risk: number;
  /** For `needs_context`: the missing keys. */
  missing?: string[];
  /** For `approval`: a safer alternative. */
  betterAction?: string;
}

/** Applies the rules to an action. The kill switch is checked first, then blocks, context, approval. */
export function decide(rules: EmulatorRules, action: EmulatedAction, killSwitchActive: boolean): Verdict {
  if (killSwitchActive) {
    return { kind: 'block', reason: 'The kill switch is active.', blockedBy: 'kill_switch', risk: 1 };
  }
  if (rules.blockedActions?.includes(action.action)) {
    return {
      kind: 'block',
      reason: `Action ${action.action} is blocked by policy.`,
      blockedBy: 'blocked_action',
      risk: 0.95,
    };
  }
  const value = action.value;
  if (rules.maxValue !== undefined && value !== undefined && value > rules.maxValue) {
    return {
      kind: 'block',
      reason: `Value ${value} exceeds the maximum of ${rules.maxValue}.`,
      blockedBy: 'max_value',
      risk: 0.9,
    };
  }
  const missing = (rules.requireContext?.[action.action] ?? []).filter((key) => action.context[key] === undefined);
  if (missing.length > 0) {
    return { kind: 'needs_context', reason: `Missing context: ${missing.join(', ')}.`, risk: 0.5, missing };
  }
  if (rules.requireApprovalAbove !== undefined && value !== undefined && value > rules.requireApprovalAbove) {
    return {
      kind: 'approval',
      reason: `Value ${value} is above the approval threshold of ${rules.requireApprovalAbove}.`,
      risk: 0.7,
      betterAction: `Reduce the value to at most ${rules.requireApprovalAbove}.`,
    };
  }
  return { kind: 'allow', reason: 'Within policy.', risk: 0.1 };
}

/** Shapes a verdict as the chosen generation of BIGHUB answers it. */
export function render(
  verdict: Verdict,
  rules: EmulatorRules,
  requestId: string,
  action: EmulatedAction,
): Record<string, unknown> {
  const generation = rules.generation ?? 'legacy';
  if (generation === 'better_decision') return betterDecision(verdict, requestId);
  const legacy = {
    allowed: verdict.kind === 'allow',
    result: verdict.kind === 'allow' ? 'allowed' : verdict.kind === 'approval' ? 'requires_approval' : 'blocked',
    reason: verdict.reason,
    request_id: requestId,
    blocked_by: verdict.blockedBy ?? null,
    risk_score: verdict.risk,
    validation_hash: createHash('sha256').update(JSON.stringify(action)).digest('hex'),
    requires_approval: verdict.kind === 'approval',
  };
  if (generation === 'legacy') return legacy;
  return {
    ...legacy,
    recommendation:
      verdict.kind === 'allow' ? 'proceed' : verdict.kind === 'approval' ? 'review_recommended' : 'do_not_proceed',
    recommendation_confidence: 0.8,
    enforcement_mode: rules.enforcementMode ?? 'enforced',
    enforced_verdict: legacy.result,
    human_review: verdict.kind === 'approval',
  };
}

function betterDecision(verdict: Verdict, requestId: string): Record<string, unknown> {
  const mode = { allow: 'autonomous', approval: 'review', block: 'blocked', needs_context: 'needs_context' }[
    verdict.kind
  ];
  return {
    request_id: requestId,
    mode,
    can_run: verdict.kind === 'allow',
    needs_review: verdict.kind === 'approval',
    needs_more_context: verdict.kind === 'needs_context',
    should_not_run: verdict.kind === 'block',
    risk: verdict.risk,
    reason: verdict.reason,
    better_action: verdict.betterAction ?? null,
    salient_factors: verdict.blockedBy
      ? [{ factor: verdict.blockedBy, severity: 'critical', reason: verdict.reason }]
      : [],
    responsible_action_space: {
      available: [],
      constrained: [],
      forbidden: verdict.kind === 'block' ? [verdict.reason] : [],
      information_gathering: (verdict.missing ?? []).map((key) => `Provide "${key}" in the action's context`),
    },
  };
}
