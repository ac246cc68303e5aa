import type { GateOutcome } from '@tollgate/core';
import type { BighubDecision } from '../client/types.js';

/** Stable reason codes of the BIGHUB gate. */
export const BighubReason = {
  /** BIGHUB allowed the action as asked (Better Decision `autonomous`, `proceed`, legacy `allowed`). */
  allowed: 'ok',
  /** BIGHUB allowed it within constraints (Better Decision `constrained`); the constraints are in `data`. */
  constrained: 'bighub_constrained',
  /** BIGHUB said do not run it. */
  blocked: 'bighub_blocked',
  /** BIGHUB wants a human to review it first. */
  review: 'bighub_review',
  /** BIGHUB needs more context before it can decide; the model is told what to gather. */
  needsContext: 'bighub_needs_context',
  /** Signals that disagree (e.g. `can_run` and `should_not_run` both true): blocked, never allowed. */
  contradictory: 'bighub_contradictory',
  /** A response in no generation we know, or with values of the wrong type: blocked, never allowed. */
  unrecognized: 'bighub_unrecognized',
  /** BIGHUB could not be reached, answered with an error, or the circuit is open (fail mode decides). */
  unavailable: 'bighub_unavailable',
  /** BIGHUB's kill switch is active: every action is blocked. */
  killSwitch: 'kill_switch_active',
  /** The tool call could not be mapped to an action (bad tool options, `valueFromArgs` failed): blocked. */
  invalidAction: 'bighub_invalid_action',
} as const;

/** Which generation of BIGHUB's API a response belongs to. */
export type DecisionGeneration = 'better_decision' | 'recommendation' | 'legacy' | 'unknown';

/** What {@link mapDecision} makes of a response. */
export interface MappedDecision {
  /** allow, block or require_approval. */
  outcome: GateOutcome;
  /** One of {@link BighubReason}. */
  reason: string;
  /** For the model: BIGHUB's reason and what to do next. */
  message: string;
  /** The generation that decided. */
  generation: DecisionGeneration;
  /** For `constrained`: the constrained options from `responsible_action_space.constrained`. */
  constraints?: unknown[];
  /** For `needs_context`: what BIGHUB asks to gather (`responsible_action_space.information_gathering`). */
  missingContext?: unknown[];
}

const BETTER_FLAGS = ['can_run', 'needs_review', 'needs_more_context', 'should_not_run'] as const;
const MODES = new Set(['autonomous', 'constrained', 'review', 'blocked', 'needs_context']);
const RECOMMENDATIONS = new Set(['proceed', 'proceed_with_caution', 'review_recommended', 'do_not_proceed']);

/**
 * Maps any generation of BIGHUB decision response to allow, block or require_approval. Pure.
 *
 * The newest generation present decides: Better Decision (`mode` or any of `can_run`, `needs_review`,
 * `needs_more_context`, `should_not_run`, seed bighub-openai-0.1.0b5), else `recommendation` with
 * `enforcement_mode` (bighub-openai's table), else legacy `allowed` / `result == "requires_approval"`.
 * It is fail-safe: an unknown shape, a value of the wrong type, or signals that disagree never allow.
 * Within Better Decision the strictest signal wins (block > needs context > review > allow), a response that
 * also carries `enforcement_mode: "enforced"` cannot be allowed against its `enforced_verdict`, and an allow whose
 * answer also says `allowed: false` or `result: "blocked"` (or, beside a Better Decision,
 * `recommendation: "do_not_proceed"`) is contradictory, so blocked.
 */
export function mapDecision(response: unknown): MappedDecision {
  if (typeof response !== 'object' || response === null || Array.isArray(response)) {
    return unrecognized('unknown', 'BIGHUB sent no decision object.');
  }
  const d = response as BighubDecision;
  let mapped: MappedDecision;
  if (d.mode !== undefined || BETTER_FLAGS.some((f) => d[f] !== undefined)) mapped = mapBetterDecision(d);
  else if (d.recommendation !== undefined) mapped = mapRecommendation(d);
  else if (d.allowed !== undefined || d.result !== undefined) mapped = mapLegacy(d);
  else return unrecognized('unknown', 'BIGHUB sent a decision in a shape tollgate does not know.');
  if (mapped.outcome === 'allow' && mapped.generation !== 'recommendation' && d.enforcement_mode === 'enforced') {
    const enforced = mapEnforced(d, 'recommendation');
    if (enforced.outcome !== 'allow') return enforced;
  }
  // /actions/evaluate answers carry the older generations' fields too: an allow they refuse is a contradiction.
  if (mapped.outcome === 'allow' && refusedElsewhere(d, mapped.generation)) {
    return {
      outcome: 'block',
      reason: BighubReason.contradictory,
      message: withReason('BIGHUB sent signals that disagree, so the action was not run to be safe', d),
      generation: mapped.generation,
    };
  }
  return mapped;
}

/**
 * A refusal in an older generation's fields: legacy `allowed: false` or `result: blocked`, or, beside a Better
 * Decision, `recommendation: do_not_proceed` (under `enforced` the verdict outranks the recommendation, as in
 * bighub-openai).
 */
function refusedElsewhere(d: BighubDecision, generation: DecisionGeneration): boolean {
  if (generation === 'better_decision' && d.recommendation === 'do_not_proceed') return true;
  return d.allowed === false || d.result === 'blocked';
}

function mapBetterDecision(d: BighubDecision): MappedDecision {
  const g: DecisionGeneration = 'better_decision';
  if (d.mode !== undefined && (typeof d.mode !== 'string' || !MODES.has(d.mode))) {
    return unrecognized(g, `BIGHUB answered with an unknown mode "${String(d.mode)}".`);
  }
  const wrong = BETTER_FLAGS.find((f) => d[f] !== undefined && typeof d[f] !== 'boolean');
  if (wrong) return unrecognized(g, `BIGHUB's ${wrong} is not a boolean.`);
  if (d.should_not_run === true || d.mode === 'blocked') return block(g, d);
  if (d.needs_more_context === true || d.mode === 'needs_context') return needsContext(d);
  if (d.needs_review === true || d.mode === 'review') return review(g, d);
  const runnable = d.mode === 'autonomous' || d.mode === 'constrained' || (d.mode === undefined && d.can_run === true);
  if (!runnable || d.can_run === false) {
    return {
      outcome: 'block',
      reason: BighubReason.contradictory,
      message: withReason('BIGHUB sent signals that disagree, so the action was not run to be safe', d),
      generation: g,
    };
  }
  if (d.mode === 'constrained') {
    const constraints = d.responsible_action_space?.constrained ?? [];
    return {
      outcome: 'allow',
      reason: BighubReason.constrained,
      message: withReason('BIGHUB allowed this action within constraints', d),
      generation: g,
      constraints,
    };
  }
  return allow(g, d);
}

function mapRecommendation(d: BighubDecision): MappedDecision {
  const g: DecisionGeneration = 'recommendation';
  const rec = d.recommendation;
  const mode = d.enforcement_mode ?? 'advisory';
  if (mode === 'enforced') return mapEnforced(d, g);
  if (rec === 'do_not_proceed') return block(g, d);
  if (typeof rec !== 'string' || !RECOMMENDATIONS.has(rec)) return review(g, d);
  if (mode === 'review') return rec === 'proceed' ? allow(g, d) : review(g, d);
  if (mode !== 'advisory') return review(g, d);
  if (rec === 'review_recommended' && (d.requires_approval === true || humanReviewRequired(d.human_review))) {
    return review(g, d);
  }
  return allow(g, d);
}

function mapEnforced(d: BighubDecision, g: DecisionGeneration): MappedDecision {
  const verdict = d.enforced_verdict;
  if (verdict === 'allowed' || verdict === 'proceed') return allow(g, d);
  if (verdict === 'requires_approval') return review(g, d);
  return block(g, d);
}

function mapLegacy(d: BighubDecision): MappedDecision {
  const g: DecisionGeneration = 'legacy';
  if (d.result === 'requires_approval' || d.requires_approval === true) return review(g, d);
  if (d.allowed === true) return allow(g, d);
  if (d.allowed === false) return block(g, d);
  return unrecognized(g, `BIGHUB answered with result "${String(d.result)}" and no allowed flag.`);
}

function humanReviewRequired(value: unknown): boolean {
  if (value === true) return true;
  return typeof value === 'object' && value !== null && (value as { required?: unknown }).required === true;
}

function allow(generation: DecisionGeneration, d: BighubDecision): MappedDecision {
  return {
    outcome: 'allow',
    reason: BighubReason.allowed,
    message: withReason('BIGHUB allowed this action', d),
    generation,
  };
}

function block(generation: DecisionGeneration, d: BighubDecision): MappedDecision {
  return {
    outcome: 'block',
    reason: BighubReason.blocked,
    message: withReason('BIGHUB blocked this action', d, 'Do not retry it as is.'),
    generation,
  };
}

function review(generation: DecisionGeneration, d: BighubDecision): MappedDecision {
  return {
    outcome: 'require_approval',
    reason: BighubReason.review,
    message: withReason('BIGHUB requires a human review before this action runs', d),
    generation,
  };
}

function needsContext(d: BighubDecision): MappedDecision {
  const missing = d.responsible_action_space?.information_gathering ?? [];
  const wanted = missing.map(describe).filter((s) => s !== '');
  const ask = wanted.length
    ? `Gather this first, then call again with it: ${wanted.join('; ')}.`
    : 'Gather the missing details (see the reason), then call again.';
  return {
    outcome: 'block',
    reason: BighubReason.needsContext,
    message: withReason('BIGHUB needs more context before this action can run', d, ask),
    generation: 'better_decision',
    missingContext: missing,
  };
}

function unrecognized(generation: DecisionGeneration, why: string): MappedDecision {
  return {
    outcome: 'block',
    reason: BighubReason.unrecognized,
    message: `${why} The action was not run to be safe.`,
    generation,
  };
}

function withReason(head: string, d: BighubDecision, tail?: string): string {
  const why = typeof d.reason === 'string' && d.reason !== '' ? `: ${d.reason.replace(/\.+$/, '')}` : '';
  return `${head}${why}.${tail ? ` ${tail}` : ''}`;
}

function describe(item: unknown): string {
  if (typeof item === 'string') return item;
  if (typeof item === 'object' && item !== null) {
    const o = item as Record<string, unknown>;
    for (const key of ['description', 'action', 'name', 'question']) if (typeof o[key] === 'string') return o[key];
  }
  return '';
}
