import type { GateOutcome } from '@tollgate/core';

/** One row of the decision mapping: a BIGHUB answer and what the gate must make of it. */
export interface MappingRow {
  name: string;
  response: Record<string, unknown>;
  outcome: GateOutcome;
  reason: string;
}

const row = (name: string, response: Record<string, unknown>, outcome: GateOutcome, reason: string): MappingRow => ({
  name,
  response,
  outcome,
  reason,
});

/** Every row of the mapping table in docs/bighub.md. */
export const MAPPING_ROWS: MappingRow[] = [
  // Better Decision
  row('mode autonomous', { mode: 'autonomous', can_run: true }, 'allow', 'ok'),
  row(
    'mode constrained',
    { mode: 'constrained', can_run: true, responsible_action_space: { constrained: ['2h max'] } },
    'allow',
    'bighub_constrained',
  ),
  row('mode review', { mode: 'review', needs_review: true }, 'require_approval', 'bighub_review'),
  row('mode blocked', { mode: 'blocked', should_not_run: true }, 'block', 'bighub_blocked'),
  row('mode needs_context', { mode: 'needs_context', needs_more_context: true }, 'block', 'bighub_needs_context'),
  row('can_run true alone', { can_run: true }, 'allow', 'ok'),
  row('can_run false alone', { can_run: false }, 'block', 'bighub_contradictory'),
  row('needs_review alone', { needs_review: true }, 'require_approval', 'bighub_review'),
  row('needs_more_context alone', { needs_more_context: true }, 'block', 'bighub_needs_context'),
  row('should_not_run alone', { should_not_run: true }, 'block', 'bighub_blocked'),
  row('can_run and should_not_run', { can_run: true, should_not_run: true }, 'block', 'bighub_blocked'),
  row('autonomous but can_run false', { mode: 'autonomous', can_run: false }, 'block', 'bighub_contradictory'),
  row('autonomous but needs_review', { mode: 'autonomous', needs_review: true }, 'require_approval', 'bighub_review'),
  row('blocked but can_run', { mode: 'blocked', can_run: true }, 'block', 'bighub_blocked'),
  row('unknown mode', { mode: 'yolo', can_run: true }, 'block', 'bighub_unrecognized'),
  row('flag of the wrong type', { can_run: 'yes' }, 'block', 'bighub_unrecognized'),
  row(
    'autonomous against an enforced block',
    { mode: 'autonomous', can_run: true, enforcement_mode: 'enforced', enforced_verdict: 'blocked' },
    'block',
    'bighub_blocked',
  ),
  row(
    'review wins over recommendation proceed',
    { mode: 'review', recommendation: 'proceed', enforcement_mode: 'advisory' },
    'require_approval',
    'bighub_review',
  ),
  // recommendation + enforcement_mode: enforced
  row(
    'enforced allowed',
    { recommendation: 'proceed', enforcement_mode: 'enforced', enforced_verdict: 'allowed' },
    'allow',
    'ok',
  ),
  row(
    'enforced proceed against do_not_proceed',
    { recommendation: 'do_not_proceed', enforcement_mode: 'enforced', enforced_verdict: 'proceed' },
    'block',
    'bighub_contradictory',
  ),
  row(
    'enforced proceed',
    { recommendation: 'proceed_with_caution', enforcement_mode: 'enforced', enforced_verdict: 'proceed' },
    'allow',
    'ok',
  ),
  row(
    'enforced requires_approval',
    { recommendation: 'proceed', enforcement_mode: 'enforced', enforced_verdict: 'requires_approval' },
    'require_approval',
    'bighub_review',
  ),
  row(
    'enforced blocked',
    { recommendation: 'proceed', enforcement_mode: 'enforced', enforced_verdict: 'blocked' },
    'block',
    'bighub_blocked',
  ),
  row(
    'enforced without verdict',
    { recommendation: 'proceed', enforcement_mode: 'enforced' },
    'block',
    'bighub_blocked',
  ),
  // review
  row(
    'review do_not_proceed',
    { recommendation: 'do_not_proceed', enforcement_mode: 'review' },
    'block',
    'bighub_blocked',
  ),
  row(
    'review review_recommended',
    { recommendation: 'review_recommended', enforcement_mode: 'review' },
    'require_approval',
    'bighub_review',
  ),
  row(
    'review proceed_with_caution',
    { recommendation: 'proceed_with_caution', enforcement_mode: 'review' },
    'require_approval',
    'bighub_review',
  ),
  row('review proceed', { recommendation: 'proceed', enforcement_mode: 'review' }, 'allow', 'ok'),
  row(
    'review unknown recommendation',
    { recommendation: 'maybe', enforcement_mode: 'review' },
    'require_approval',
    'bighub_review',
  ),
  // advisory (the default)
  row(
    'advisory do_not_proceed',
    { recommendation: 'do_not_proceed', enforcement_mode: 'advisory' },
    'block',
    'bighub_blocked',
  ),
  row(
    'advisory review_recommended + requires_approval',
    { recommendation: 'review_recommended', enforcement_mode: 'advisory', requires_approval: true },
    'require_approval',
    'bighub_review',
  ),
  row(
    'advisory review_recommended + human_review',
    { recommendation: 'review_recommended', enforcement_mode: 'advisory', human_review: { required: true } },
    'require_approval',
    'bighub_review',
  ),
  row(
    'advisory review_recommended alone',
    { recommendation: 'review_recommended', enforcement_mode: 'advisory' },
    'allow',
    'ok',
  ),
  row(
    'advisory proceed_with_caution',
    { recommendation: 'proceed_with_caution', enforcement_mode: 'advisory' },
    'allow',
    'ok',
  ),
  row('advisory proceed', { recommendation: 'proceed', enforcement_mode: 'advisory' }, 'allow', 'ok'),
  row(
    'advisory unknown recommendation',
    { recommendation: 'maybe', enforcement_mode: 'advisory' },
    'require_approval',
    'bighub_review',
  ),
  row('no enforcement_mode means advisory', { recommendation: 'proceed' }, 'allow', 'ok'),
  row(
    'unknown enforcement_mode',
    { recommendation: 'proceed', enforcement_mode: 'strict' },
    'require_approval',
    'bighub_review',
  ),
  // legacy
  row('legacy allowed', { allowed: true, result: 'allowed' }, 'allow', 'ok'),
  row('legacy blocked', { allowed: false, result: 'blocked' }, 'block', 'bighub_blocked'),
  row('legacy requires_approval', { allowed: false, result: 'requires_approval' }, 'require_approval', 'bighub_review'),
  row(
    'legacy allowed yet requires_approval',
    { allowed: true, requires_approval: true },
    'require_approval',
    'bighub_review',
  ),
  row('legacy result blocked without allowed', { result: 'blocked' }, 'block', 'bighub_blocked'),
  row('legacy result allowed without allowed', { result: 'allowed' }, 'block', 'bighub_unrecognized'),
  row('legacy unknown result', { allowed: true, result: 'pending' }, 'block', 'bighub_unrecognized'),
  row('legacy allowed of the wrong type', { allowed: 'true' }, 'block', 'bighub_unrecognized'),
  row('legacy allowed yet result blocked', { allowed: true, result: 'blocked' }, 'block', 'bighub_contradictory'),
  // generations that disagree
  row(
    'autonomous but legacy allowed false',
    { mode: 'autonomous', can_run: true, allowed: false },
    'block',
    'bighub_contradictory',
  ),
  row(
    'can_run but recommendation do_not_proceed',
    { can_run: true, recommendation: 'do_not_proceed', enforcement_mode: 'advisory' },
    'block',
    'bighub_contradictory',
  ),
  row(
    'recommendation proceed but legacy blocked',
    { recommendation: 'proceed', enforcement_mode: 'advisory', allowed: false, result: 'blocked' },
    'block',
    'bighub_contradictory',
  ),
  row(
    'enforced allowed but legacy allowed false',
    { recommendation: 'proceed', enforcement_mode: 'enforced', enforced_verdict: 'allowed', allowed: false },
    'block',
    'bighub_contradictory',
  ),
  // an older generation's field that asks for approval or refuses wins (issue 11, defect 11)
  row(
    'autonomous but legacy requires_approval',
    { mode: 'autonomous', can_run: true, requires_approval: true },
    'require_approval',
    'bighub_review',
  ),
  row(
    'autonomous but legacy result requires_approval',
    { mode: 'autonomous', result: 'requires_approval' },
    'require_approval',
    'bighub_review',
  ),
  row(
    'proceed but legacy result requires_approval',
    { recommendation: 'proceed', result: 'requires_approval' },
    'require_approval',
    'bighub_review',
  ),
  row(
    'advisory proceed but requires_approval',
    { recommendation: 'proceed', enforcement_mode: 'advisory', allowed: true, requires_approval: true },
    'require_approval',
    'bighub_review',
  ),
  row(
    'advisory proceed but human_review',
    { recommendation: 'proceed', enforcement_mode: 'advisory', human_review: true },
    'require_approval',
    'bighub_review',
  ),
  row(
    'enforced allowed but requires_approval',
    { recommendation: 'proceed', enforcement_mode: 'enforced', enforced_verdict: 'allowed', requires_approval: true },
    'require_approval',
    'bighub_review',
  ),
  row(
    'autonomous but human_review required',
    { mode: 'autonomous', can_run: true, human_review: { required: true } },
    'require_approval',
    'bighub_review',
  ),
  row(
    'autonomous but enforced_verdict requires_approval',
    { mode: 'autonomous', can_run: true, enforced_verdict: 'requires_approval' },
    'require_approval',
    'bighub_review',
  ),
  row(
    'advisory proceed but enforced_verdict blocked',
    { recommendation: 'proceed', enforcement_mode: 'advisory', enforced_verdict: 'blocked' },
    'block',
    'bighub_blocked',
  ),
  row(
    'review but legacy blocked',
    { mode: 'review', needs_review: true, result: 'blocked' },
    'block',
    'bighub_contradictory',
  ),
  row(
    'review but legacy allowed false without approval',
    { mode: 'review', allowed: false },
    'block',
    'bighub_contradictory',
  ),
  row(
    'review with legacy requires_approval',
    { mode: 'review', allowed: false, result: 'requires_approval', requires_approval: true },
    'require_approval',
    'bighub_review',
  ),
  row(
    'autonomous with null or false compatibility fields',
    { mode: 'autonomous', can_run: true, allowed: null, result: null, requires_approval: false, human_review: false },
    'allow',
    'ok',
  ),
  row(
    'autonomous with allowing compatibility fields',
    {
      mode: 'autonomous',
      can_run: true,
      allowed: true,
      result: 'allowed',
      recommendation: 'proceed',
      enforcement_mode: 'enforced',
      enforced_verdict: 'allowed',
    },
    'allow',
    'ok',
  ),
  // unknown
  row('empty object', {}, 'block', 'bighub_unrecognized'),
  row('unknown fields', { verdict: 'yes' }, 'block', 'bighub_unrecognized'),
];
