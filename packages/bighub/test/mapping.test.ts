import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mapDecision } from '../src/gate/mapping.js';
import { MAPPING_ROWS } from './decision-table.js';

describe('mapDecision', () => {
  it.each(MAPPING_ROWS)('$name → $outcome ($reason)', ({ response, outcome, reason }) => {
    const mapped = mapDecision(response);
    expect(mapped.outcome).toBe(outcome);
    expect(mapped.reason).toBe(reason);
  });

  it.each([null, undefined, 'allowed', 42, [{ allowed: true }]])('refuses a non-object answer %j', (response) => {
    expect(mapDecision(response)).toMatchObject({ outcome: 'block', reason: 'bighub_unrecognized' });
  });

  it('never allows a response that carries any blocking signal', () => {
    for (const r of MAPPING_ROWS) {
      const d = r.response;
      if (d.should_not_run === true || d.mode === 'blocked' || d.needs_more_context === true) {
        expect(mapDecision(d).outcome, r.name).toBe('block');
      }
    }
  });

  it('lets any field of any generation that refuses or asks for approval win (arbitrary answers)', () => {
    const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
    // Every generation's fields, with odd values beside the known ones: null, wrong types, unknown strings.
    const odd = fc.constantFrom<unknown>(null, 'other', 1, 'true');
    const flag = maybe(fc.oneof(fc.boolean(), odd));
    const answer = fc.record(
      {
        mode: maybe(fc.oneof(fc.constantFrom('autonomous', 'constrained', 'review', 'blocked', 'needs_context'), odd)),
        can_run: flag,
        needs_review: flag,
        needs_more_context: flag,
        should_not_run: flag,
        recommendation: maybe(
          fc.oneof(fc.constantFrom('proceed', 'proceed_with_caution', 'review_recommended', 'do_not_proceed'), odd),
        ),
        enforcement_mode: maybe(fc.oneof(fc.constantFrom('advisory', 'review', 'enforced'), odd)),
        enforced_verdict: maybe(fc.oneof(fc.constantFrom('allowed', 'proceed', 'requires_approval', 'blocked'), odd)),
        human_review: maybe(fc.oneof(fc.boolean(), fc.constant({ required: true }), fc.constant({ required: false }))),
        allowed: flag,
        result: maybe(fc.oneof(fc.constantFrom('allowed', 'blocked', 'requires_approval'), odd)),
        requires_approval: flag,
      },
      { requiredKeys: [] },
    );
    const known = (value: unknown, values: readonly string[]) => value == null || values.includes(value as string);
    fc.assert(
      fc.property(answer, (d) => {
        const { outcome } = mapDecision(d);
        expect(['allow', 'block', 'require_approval']).toContain(outcome);
        const legacyAsks = d.result === 'requires_approval' || d.requires_approval === true;
        const refuses =
          d.should_not_run === true ||
          d.needs_more_context === true ||
          d.mode === 'blocked' ||
          d.mode === 'needs_context' ||
          d.recommendation === 'do_not_proceed' ||
          !known(d.enforced_verdict, ['allowed', 'proceed', 'requires_approval']) ||
          (d.enforcement_mode === 'enforced' && d.enforced_verdict == null) ||
          d.result === 'blocked' ||
          (d.allowed === false && !legacyAsks);
        const asks =
          legacyAsks ||
          d.needs_review === true ||
          d.mode === 'review' ||
          d.enforced_verdict === 'requires_approval' ||
          d.human_review === true ||
          (typeof d.human_review === 'object' && d.human_review.required) ||
          (d.enforcement_mode === 'review' && d.recommendation != null && d.recommendation !== 'proceed');
        const strange =
          !known(d.mode, ['autonomous', 'constrained', 'review', 'blocked', 'needs_context']) ||
          !known(d.recommendation, ['proceed', 'proceed_with_caution', 'review_recommended', 'do_not_proceed']) ||
          !known(d.enforcement_mode, ['advisory', 'review', 'enforced']) ||
          !known(d.result, ['allowed', 'blocked', 'requires_approval']) ||
          [d.can_run, d.needs_review, d.needs_more_context, d.should_not_run, d.allowed, d.requires_approval].some(
            (v) => v != null && typeof v !== 'boolean',
          );
        if (refuses) expect(outcome).toBe('block');
        if (asks || strange || d.can_run === false) expect(outcome).not.toBe('allow');
        if (outcome === 'allow') {
          const allowsSomewhere =
            d.mode === 'autonomous' ||
            d.mode === 'constrained' ||
            (d.mode == null && d.can_run === true) ||
            d.recommendation != null ||
            d.allowed === true;
          expect(allowsSomewhere).toBe(true);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('tells the model what context is missing', () => {
    const mapped = mapDecision({
      mode: 'needs_context',
      reason: 'No change ticket.',
      responsible_action_space: {
        information_gathering: ['the change ticket id', { description: 'the on-call owner' }],
      },
    });
    expect(mapped.message).toContain('No change ticket');
    expect(mapped.message).toContain('the change ticket id; the on-call owner');
    expect(mapped.missingContext).toHaveLength(2);
  });

  it('keeps the constraints of a constrained allow', () => {
    const mapped = mapDecision({ mode: 'constrained', responsible_action_space: { constrained: ['scope to 2h'] } });
    expect(mapped.constraints).toEqual(['scope to 2h']);
  });

  it('puts BIGHUB’s reason in the message', () => {
    expect(mapDecision({ allowed: false, reason: 'Over the limit.' }).message).toBe(
      'BIGHUB blocked this action: Over the limit. Do not retry it as is.',
    );
  });
});
