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
