import { GatedToolRunner } from '@tollgate/core';
import { describe, expect, it } from 'vitest';
import { loadRules, RuleGate, RuleLoadError } from '../src/index.js';

// "Two people for payments over 10,000.00": a rule's quorum travels into the approval core stores.
const rules = loadRules({
  rules: [
    {
      id: 'large-payment',
      effect: 'require_approval',
      reason: 'large_payment',
      message: 'Payments above 10,000.00 need two people.',
      match: { tool: 'send_money' },
      when: { path: '/amount', op: 'gt', value: '10000.00' },
      quorum: { required: 2 },
    },
    {
      id: 'new-payee',
      effect: 'require_approval',
      reason: 'unknown_payee',
      message: 'A new payee needs someone from payments ops.',
      match: { tool: 'send_money' },
      when: { path: '/to', op: 'eq', value: 'new' },
      quorum: { required: 1, approvers: ['ann', 'bob', 'cy'] },
    },
  ],
});

function runner() {
  return new GatedToolRunner({
    gates: [new RuleGate({ rules })],
    tools: [
      {
        name: 'send_money',
        parameters: {
          type: 'object',
          properties: { amount: { type: 'string' }, to: { type: 'string' } },
          required: ['amount', 'to'],
        },
        handler: () => 'sent',
      },
    ],
  });
}

describe('rule quorum', () => {
  it('asks for the quorum of the matching rule, the strictest when several match', async () => {
    const r = runner();
    const big = await r.call('send_money', { amount: '12000.00', to: 'known' }, { actor: 'clerk' });
    expect(big.approval?.quorum).toEqual({ required: 2 });
    const both = await r.call('send_money', { amount: '12000.00', to: 'new' }, { actor: 'clerk' });
    expect(both.approval?.quorum).toEqual({ required: 2, approvers: ['ann', 'bob', 'cy'] });
    expect(await r.approve(both.approval!.id, { by: 'dave' })).toMatchObject({ reason: 'approval_not_approver' });
    await r.approve(both.approval!.id, { by: 'ann' });
    expect(await r.approve(both.approval!.id, { by: 'bob' })).toMatchObject({ approval: { status: 'approved' } });
    expect(await r.resume(both.approval!.id)).toMatchObject({ status: 'executed' });
    const small = await r.call('send_money', { amount: '10.00', to: 'known' }, { actor: 'clerk' });
    expect(small.status).toBe('executed');
  });

  it('refuses a quorum on a rule that does not ask for approval, or one that cannot be met', () => {
    const base = { id: 'r', reason: 'x', message: 'X.' };
    const issue = (rule: Record<string, unknown>) => {
      try {
        loadRules({ rules: [rule] });
      } catch (err) {
        return (err as RuleLoadError).issues;
      }
      return [];
    };
    expect(issue({ ...base, effect: 'block', quorum: { required: 2 } })).toEqual([
      { path: '/rules/0/quorum', message: 'only a require_approval rule takes a quorum' },
    ]);
    expect(issue({ ...base, effect: 'require_approval', quorum: { required: 0 } })[0]?.path).toBe(
      '/rules/0/quorum/required',
    );
    expect(issue({ ...base, effect: 'require_approval', quorum: { required: 3, approvers: ['a', 'b'] } })).toEqual([
      { path: '/rules/0/quorum', message: '`approvers` names fewer than the 3 distinct people `required`' },
    ]);
    expect(
      () =>
        new RuleGate({
          rules: [{ ...base, effect: 'allow', when: () => true, quorum: { required: 1 } }],
        }),
    ).toThrow(RuleLoadError);
  });
});
