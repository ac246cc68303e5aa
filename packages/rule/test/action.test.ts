import { describe, expect, it } from 'vitest';
import { loadRules, type RuleDecisionData, RuleGate, RuleLoadError } from '../src/index.js';
import { gateContext, runnerWith } from './support.js';

// kitelogik's `register(name, fn, action=)`: policies name actions, tools keep their own names.
describe('policy action names that differ from tool names', () => {
  const rules = loadRules({
    rules: [
      {
        id: 'review-payments',
        effect: 'require_approval',
        reason: 'payment_review',
        message: 'Payments need a review.',
        match: { action: 'payments.*' },
      },
    ],
  });

  it('matches match.action against the gate-wide mapping, and records the action in data', async () => {
    const runner = runnerWith([new RuleGate({ rules, actions: { send_money: 'payments.transfer' } })]);
    const paid = await runner.call('send_money', {});
    expect(paid).toMatchObject({ status: 'approval_required', reason: 'payment_review' });
    expect(paid.decisions.find((d) => d.gate === 'rule')?.data as RuleDecisionData).toMatchObject({
      action: 'payments.transfer',
    });
    // An unmapped tool's action is its own name.
    expect((await runner.call('read_balance', {})).status).toBe('executed');
  });

  it('a tool option wins over the gate mapping, and predicates read call.action', async () => {
    const seen: string[] = [];
    const gate = new RuleGate({
      actions: { send_email: 'mail.send' },
      rules: [
        ...rules,
        { id: 'spy', effect: 'allow', reason: 'ok', message: 'ok', when: (_ctx, call) => seen.push(call.action) > 0 },
      ],
    });
    const runner = runnerWith([gate], { send_email: { rule: { action: 'payments.mail' } } });
    expect((await runner.call('send_email', {})).status).toBe('approval_required');
    expect(seen).toEqual(['payments.mail']);
    expect(gate.check(gateContext('read_balance', {})).data).not.toHaveProperty('action');
  });

  it('refuses an empty action name, in the gate and per tool', () => {
    expect(() => new RuleGate({ actions: { send_money: '' } })).toThrow(RuleLoadError);
    expect(() => runnerWith([new RuleGate()], { send_money: { rule: { action: 7 } } })).toThrow(
      'Tool "send_money" has invalid gates.rule options at /action: must be a non-empty string',
    );
  });
});
