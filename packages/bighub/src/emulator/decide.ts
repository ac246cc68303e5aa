import { createHash } from 'node:crypto';
import type { KillSwitchStatus } from '../client/kill-switch.js';
import type { Rule } from '../client/rules.js';
import type { EmulatorRules } from './config.js';

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
  /** The rule that blocked (`kill_switch`, `blocked_action`, `max_value`, `max_per_day`). */
  blockedBy?: string;
  /** The API-managed rule that blocked or asked for approval. */
  ruleId?: string;
  /** The API-managed rules that apply to the action. */
  matchedRules: string[];
  /** A fixed risk in [0, 1] per kind. */
  risk: number;
  /** For `needs_context`: the missing keys. */
  missing?: string[];
  /** For `approval`: a safer alternative. */
  betterAction?: string;
}

/** What besides the configuration a decision depends on. */
export interface DecisionInputs {
  /** The kill switch now. */
  killSwitch: KillSwitchStatus;
  /** The API-managed rules (paused ones are skipped). */
  rules: Iterable<Rule>;
  /** How many actions a rule let through in the last 24 h (for `max_per_day`). */
  usedToday: (ruleId: string) => number;
}

/** Whether an API-managed rule governs an action: active, same domain, and (with `actions`) one of its names. */
export function ruleApplies(rule: Rule, action: EmulatedAction): boolean {
  return (
    rule.status === 'active' && rule.domain === action.domain && (!rule.actions || rule.actions.includes(action.action))
  );
}

/**
 * Applies the configuration and the API-managed rules to an action: the kill switch first (global, or the action's
 * domain), then blocks (blocked actions, maximum values, daily counts), missing context, approval thresholds.
 */
export function decide(config: EmulatorRules, action: EmulatedAction, inputs: DecisionInputs): Verdict {
  const rules = [...inputs.rules].filter((r) => ruleApplies(r, action));
  const matchedRules = rules.map((r) => r.rule_id);
  const verdict = (v: Omit<Verdict, 'matchedRules'>): Verdict => ({ ...v, matchedRules });
  const ks = inputs.killSwitch;
  if (ks.active && (ks.scope !== 'domain' || ks.domain === action.domain)) {
    const why = ks.reason ? `The kill switch is active: ${ks.reason}.` : 'The kill switch is active.';
    return verdict({ kind: 'block', reason: why, blockedBy: 'kill_switch', risk: 1 });
  }
  if (config.blockedActions?.includes(action.action)) {
    return verdict({
      kind: 'block',
      reason: `Action ${action.action} is blocked by policy.`,
      blockedBy: 'blocked_action',
      risk: 0.95,
    });
  }
  const value = action.value;
  if (config.maxValue !== undefined && value !== undefined && value > config.maxValue) {
    return verdict({
      kind: 'block',
      reason: `Value ${value} exceeds the maximum of ${config.maxValue}.`,
      blockedBy: 'max_value',
      risk: 0.9,
    });
  }
  for (const rule of rules) {
    if (rule.max_value !== undefined && value !== undefined && value > rule.max_value) {
      return verdict({
        kind: 'block',
        reason: `Value ${value} exceeds the maximum of ${rule.max_value} (rule "${rule.name}").`,
        blockedBy: 'max_value',
        ruleId: rule.rule_id,
        risk: 0.9,
      });
    }
    if (rule.max_per_day !== undefined && inputs.usedToday(rule.rule_id) >= rule.max_per_day) {
      return verdict({
        kind: 'block',
        reason: `Rule "${rule.name}" allows ${rule.max_per_day} actions per day, all used.`,
        blockedBy: 'max_per_day',
        ruleId: rule.rule_id,
        risk: 0.8,
      });
    }
  }
  const missing = (config.requireContext?.[action.action] ?? []).filter((key) => action.context[key] === undefined);
  if (missing.length > 0) {
    return verdict({ kind: 'needs_context', reason: `Missing context: ${missing.join(', ')}.`, risk: 0.5, missing });
  }
  const thresholds = [
    ...(config.requireApprovalAbove === undefined ? [] : [{ limit: config.requireApprovalAbove, rule: undefined }]),
    ...rules.flatMap((rule) =>
      rule.require_approval_above === undefined ? [] : [{ limit: rule.require_approval_above, rule }],
    ),
  ];
  const over = thresholds.find((t) => value !== undefined && value > t.limit);
  if (over) {
    return verdict({
      kind: 'approval',
      reason: `Value ${value} is above the approval threshold of ${over.limit}${over.rule ? ` (rule "${over.rule.name}")` : ''}.`,
      ruleId: over.rule?.rule_id,
      risk: 0.7,
      betterAction: `Reduce the value to at most ${over.limit}.`,
    });
  }
  return verdict({ kind: 'allow', reason: 'Within policy.', risk: 0.1 });
}

/** Shapes a verdict as the chosen generation of BIGHUB answers it. */
export function render(
  verdict: Verdict,
  rules: Pick<EmulatorRules, 'generation' | 'enforcementMode'>,
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
    ...(verdict.ruleId ? { rule_id: verdict.ruleId } : {}),
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
