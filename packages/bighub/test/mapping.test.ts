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

  it('never throws, and never allows against a restrictive signal (arbitrary answers)', () => {
    const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
    const answer = fc.record(
      {
        mode: maybe(fc.constantFrom('autonomous', 'constrained', 'review', 'blocked', 'needs_context', 'other', 1)),
        can_run: maybe(fc.oneof(fc.boolean(), fc.string())),
        needs_review: maybe(fc.boolean()),
        needs_more_context: maybe(fc.boolean()),
        should_not_run: maybe(fc.boolean()),
        recommendation: maybe(
          fc.constantFrom('proceed', 'proceed_with_caution', 'review_recommended', 'do_not_proceed', 'x'),
        ),
        enforcement_mode: maybe(fc.constantFrom('advisory', 'review', 'enforced', 'x')),
        enforced_verdict: maybe(fc.constantFrom('allowed', 'proceed', 'requires_approval', 'blocked', 'x')),
        allowed: maybe(fc.boolean()),
        result: maybe(fc.constantFrom('allowed', 'blocked', 'requires_approval')),
        requires_approval: maybe(fc.boolean()),
        human_review: maybe(fc.boolean()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(answer, (d) => {
        const mapped = mapDecision(d);
        expect(['allow', 'block', 'require_approval']).toContain(mapped.outcome);
        if (mapped.outcome !== 'allow') return;
        expect(d.should_not_run).not.toBe(true);
        expect(d.needs_review).not.toBe(true);
        expect(d.needs_more_context).not.toBe(true);
        expect(['review', 'blocked', 'needs_context', 'other', 1]).not.toContain(d.mode);
        expect(d.can_run).not.toBe(false);
        expect(d.allowed).not.toBe(false);
        expect(d.result).not.toBe('blocked');
        if (d.enforcement_mode === 'enforced') expect(['allowed', 'proceed']).toContain(d.enforced_verdict);
        const betterDecision = [d.mode, d.can_run, d.needs_review, d.needs_more_context, d.should_not_run].some(
          (v) => v !== undefined,
        );
        if (!betterDecision && d.recommendation === undefined) {
          expect(d.allowed).toBe(true);
          expect(d.requires_approval).not.toBe(true);
          expect(d.result).not.toBe('requires_approval');
        }
      }),
      { numRuns: 2000 },
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
