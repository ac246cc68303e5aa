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
  /** BIGHUB answered with a redirect, which is never followed: blocked whatever the fail mode. */
  redirected: 'bighub_redirected',
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
  /** The newest generation present in the answer (the strictest verdict may come from an older one). */
  generation: DecisionGeneration;
  /** For `constrained`: the constrained options from `responsible_action_space.constrained`. */
  constraints?: unknown[];
  /** For `needs_context`: what BIGHUB asks to gather (`responsible_action_space.information_gathering`). */
  missingContext?: unknown[];
}

const BETTER_FLAGS = ['can_run', 'needs_review', 'needs_more_context', 'should_not_run'] as const;
const MODES = new Set(['autonomous', 'constrained', 'review', 'blocked', 'needs_context']);
const RECOMMENDATIONS = new Set(['proceed', 'proceed_with_caution', 'review_recommended', 'do_not_proceed']);
const ENFORCEMENT_MODES = new Set(['advisory', 'review', 'enforced']);
const RESULTS = new Set(['allowed', 'blocked', 'requires_approval']);
const ALLOWING_VERDICTS = new Set(['allowed', 'proceed']);
const RANK: Record<GateOutcome, number> = { allow: 0, require_approval: 1, block: 2 };

/** One generation's verdict; `binding` marks a block by BIGHUB's enforcer (`enforced_verdict`). */
type Verdict = MappedDecision & { binding?: boolean };

/**
 * Maps any generation of BIGHUB decision response to allow, block or require_approval. Pure.
 *
 * Each generation present in the answer gives its own verdict: Better Decision (`mode`, `can_run`,
 * `needs_review`, `needs_more_context`, `should_not_run`, seed bighub-openai-0.1.0b5), `recommendation` with
 * `enforcement_mode`, `enforced_verdict` and `human_review` (bighub-openai's table), and legacy `allowed`,
 * `result`, `requires_approval`. The strictest verdict wins (block > require_approval > allow), so any field of any
 * generation that refuses or asks for approval wins over every field that allows; on a tie the newest generation's
 * verdict is kept. A block that only an older generation gives against a newer allow or review is
 * `bighub_contradictory` (an `enforced_verdict` block stays `bighub_blocked`: it is BIGHUB's enforcer speaking).
 * Fail-safe: an unknown shape, an unknown value or a value of the wrong type never allows; `null` counts as absent.
 */
export function mapDecision(response: unknown): MappedDecision {
  if (typeof response !== 'object' || response === null || Array.isArray(response)) {
    return unrecognized('unknown', 'BIGHUB sent no decision object.');
  }
  const d = response as BighubDecision;
  const verdicts = [mapBetterDecision(d), mapRecommendation(d), mapLegacy(d)].filter(
    (v): v is Verdict => v !== undefined,
  );
  const newest = verdicts[0];
  if (!newest) return unrecognized('unknown', 'BIGHUB sent a decision in a shape tollgate does not know.');
  let chosen = newest;
  for (const v of verdicts) if (RANK[v.outcome] > RANK[chosen.outcome]) chosen = v;
  const { binding: _binding, ...mapped } = chosen;
  mapped.generation = newest.generation;
  if (chosen === newest || chosen.outcome !== 'block' || chosen.binding) return mapped;
  return contradictory(newest.generation, d);
}

const present = (value: unknown): boolean => value !== undefined && value !== null;

function mapBetterDecision(d: BighubDecision): Verdict | undefined {
  if (!present(d.mode) && !BETTER_FLAGS.some((f) => present(d[f]))) return undefined;
  const g: DecisionGeneration = 'better_decision';
  if (present(d.mode) && (typeof d.mode !== 'string' || !MODES.has(d.mode))) {
    return unrecognized(g, `BIGHUB answered with an unknown mode "${String(d.mode)}".`);
  }
  const wrong = BETTER_FLAGS.find((f) => present(d[f]) && typeof d[f] !== 'boolean');
  if (wrong) return unrecognized(g, `BIGHUB's ${wrong} is not a boolean.`);
  if (d.should_not_run === true || d.mode === 'blocked') return block(g, d);
  if (d.needs_more_context === true || d.mode === 'needs_context') return needsContext(d);
  if (d.needs_review === true || d.mode === 'review') return review(g, d);
  const runnable = d.mode === 'autonomous' || d.mode === 'constrained' || (!present(d.mode) && d.can_run === true);
  if (!runnable || d.can_run === false) {
    return contradictory(g, d);
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

/**
 * bighub-openai's table, made strict: `do_not_proceed`, a refusing `enforced_verdict` (in any mode) and a
 * required `human_review` always count; under `enforced` the verdict decides what is left. Undefined when the answer
 * has none of this generation's fields, or only ones that decide nothing (`human_review: false`).
 */
function mapRecommendation(d: BighubDecision): Verdict | undefined {
  const g: DecisionGeneration = 'recommendation';
  const rec = d.recommendation;
  const verdict = d.enforced_verdict;
  if (![rec, d.enforcement_mode, verdict, d.human_review].some(present)) return undefined;
  const mode = present(d.enforcement_mode) ? d.enforcement_mode : 'advisory';
  const verdictAllows = typeof verdict === 'string' && ALLOWING_VERDICTS.has(verdict);
  if (rec === 'do_not_proceed') {
    return mode === 'enforced' && verdictAllows ? contradictory(g, d) : block(g, d);
  }
  if (present(verdict) && !verdictAllows && verdict !== 'requires_approval') return { ...block(g, d), binding: true };
  if (mode === 'enforced' && !present(verdict)) return { ...block(g, d), binding: true };
  if (verdict === 'requires_approval' || humanReviewRequired(d.human_review)) return review(g, d);
  if (typeof mode !== 'string' || !ENFORCEMENT_MODES.has(mode)) return review(g, d);
  if (present(rec) && (typeof rec !== 'string' || !RECOMMENDATIONS.has(rec))) return review(g, d);
  if (mode === 'review' && present(rec) && rec !== 'proceed') return review(g, d);
  if (mode === 'enforced' || present(rec)) return allow(g, d);
  return undefined;
}

/**
 * Legacy: `result == "requires_approval"` or `requires_approval: true` asks for approval, `result: "blocked"` or
 * `allowed: false` (without an approval ask) blocks, `allowed: true` allows. Undefined when none of the fields is
 * present, or only ones that decide nothing (`result: "allowed"` or `requires_approval: false` alone).
 */
function mapLegacy(d: BighubDecision): Verdict | undefined {
  const g: DecisionGeneration = 'legacy';
  if (![d.allowed, d.result, d.requires_approval].some(present)) return undefined;
  if (present(d.result) && (typeof d.result !== 'string' || !RESULTS.has(d.result))) {
    return unrecognized(g, `BIGHUB answered with an unknown result "${String(d.result)}".`);
  }
  const wrong = (['allowed', 'requires_approval'] as const).find((f) => present(d[f]) && typeof d[f] !== 'boolean');
  if (wrong) return unrecognized(g, `BIGHUB's ${wrong} is not a boolean.`);
  if (d.result === 'blocked') return d.allowed === true ? contradictory(g, d) : block(g, d);
  if (d.result === 'requires_approval' || d.requires_approval === true) return review(g, d);
  if (d.allowed === false) return block(g, d);
  if (d.allowed === true) return allow(g, d);
  return undefined;
}

/** `true`, `{ required: true }`, or a value of no known form (fail-safe); `false` or `{ required: false }` is not. */
function humanReviewRequired(value: unknown): boolean {
  if (!present(value) || value === false) return false;
  if (typeof value === 'object') return (value as { required?: unknown }).required === true;
  return true;
}

/** A builder of one kind of verdict: its outcome, reason and message head. */
function verdict(outcome: GateOutcome, reason: string, head: string, tail?: string) {
  return (generation: DecisionGeneration, d: BighubDecision): MappedDecision => ({
    outcome,
    reason,
    message: withReason(head, d, tail),
    generation,
  });
}

const allow = verdict('allow', BighubReason.allowed, 'BIGHUB allowed this action');
const block = verdict('block', BighubReason.blocked, 'BIGHUB blocked this action', 'Do not retry it as is.');
const review = verdict(
  'require_approval',
  BighubReason.review,
  'BIGHUB requires a human review before this action runs',
);
const contradictory = verdict(
  'block',
  BighubReason.contradictory,
  'BIGHUB sent signals that disagree, so the action was not run to be safe',
);

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
