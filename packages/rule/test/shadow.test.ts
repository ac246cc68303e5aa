import { AuditGate, MemorySink, verifyRecords } from '@tollgate/audit';
import { BudgetGate, MemoryBudgetStore } from '@tollgate/budget';
import { type DecisionEvent, GatedToolRunner, type GateResult } from '@tollgate/core';
import { describe, expect, it } from 'vitest';
import { loadRules, type RuleDecisionData, RuleGate, RuleLoadError } from '../src/index.js';
import { gateContext, rule, runnerWith } from './support.js';

function ruleData(result: GateResult): RuleDecisionData {
  return result.decisions.find((d) => d.gate === 'rule')!.data as RuleDecisionData;
}

describe('shadow rules', () => {
  const rules = loadRules({
    rules: [
      rule('allow-all', 'allow'),
      rule('new-limit', 'block', { shadow: true, when: { path: '/amount', op: 'gt', value: '100' } }),
      rule('review-usd', 'require_approval', { when: { path: '/currency', op: 'eq', value: 'USD' } }),
      rule('review-new', 'require_approval', {
        shadow: true,
        quorum: { required: 3 },
        when: { path: '/currency', op: 'eq', value: 'GBP' },
      }),
    ],
  });

  it('records what a shadow block would do, and the enforced rules decide', async () => {
    const events: DecisionEvent[] = [];
    const runner = runnerWith([new RuleGate({ rules })]);
    runner.onDecision((e) => void events.push(e));
    const result = await runner.call('send_money', { amount: '500', currency: 'EUR' });
    expect(result.status).toBe('executed');
    const data = ruleData(result);
    expect(data.matched).toEqual([{ id: 'allow-all', effect: 'allow', reason: 'allow_all_reason' }]);
    expect(data.decidedBy).toBe('allow-all');
    expect(data.shadow).toEqual({
      matched: [{ id: 'new-limit', effect: 'block', reason: 'new_limit_reason' }],
      outcome: 'block',
      reason: 'new_limit_reason',
      decidedBy: 'new-limit',
      enforced: false,
    });
    const decided = events.find((e) => e.type === 'decision' && e.decision.gate === 'rule');
    expect(decided?.type === 'decision' && (decided.decision.data as RuleDecisionData).shadow?.outcome).toBe('block');
  });

  it('lets the next matching enforced rule decide: an enforced approval still pauses the call', async () => {
    const runner = runnerWith([new RuleGate({ rules })]);
    const result = await runner.call('send_money', { amount: '500', currency: 'USD' });
    expect(result).toMatchObject({ status: 'approval_required', reason: 'review_usd_reason' });
    expect(ruleData(result).shadow).toMatchObject({ outcome: 'block', decidedBy: 'new-limit' });
  });

  it('never pauses for a shadow approval, and its quorum is not asked for', async () => {
    const runner = runnerWith([new RuleGate({ rules })]);
    const gbp = await runner.call('send_money', { amount: '5', currency: 'GBP' });
    expect(gbp.status).toBe('executed');
    expect(ruleData(gbp).shadow).toMatchObject({ outcome: 'require_approval', decidedBy: 'review-new' });
    const both = await runner.call('send_money', { amount: '5', currency: 'USD' });
    expect(both.status).toBe('approval_required');
    expect(both.approval?.quorum).toBeUndefined();
  });

  it('adds nothing when no shadow rule matched', async () => {
    const runner = runnerWith([new RuleGate({ rules })]);
    expect(ruleData(await runner.call('send_money', { amount: '5', currency: 'EUR' })).shadow).toBeUndefined();
  });

  it('shows what a shadow allow would open under default-deny', async () => {
    const gate = new RuleGate({
      defaultEffect: 'block',
      rules: loadRules({ rules: [rule('open-reads', 'allow', { shadow: true, match: { tool: 'read_*' } })] }),
    });
    const result = await runnerWith([gate]).call('read_balance', {});
    expect(result).toMatchObject({ status: 'blocked', reason: 'no_rule_matched' });
    expect(ruleData(result).shadow).toMatchObject({ outcome: 'allow', decidedBy: 'open-reads' });
  });

  it('works for predicates in code, and refuses a shadow that is not a boolean', () => {
    const when = { id: 'p', effect: 'block' as const, reason: 'p', message: 'p', when: () => true };
    expect(new RuleGate({ rules: [{ ...when, shadow: true }] }).check(gateContext('send_money', {}))).toMatchObject({
      outcome: 'allow',
      data: { shadow: { outcome: 'block', decidedBy: 'p' } },
    });
    expect(() => new RuleGate({ rules: [{ ...when, shadow: 'yes' as unknown as boolean }] })).toThrow(
      /\/rules\/0\/shadow: must be a boolean/,
    );
    expect(() => loadRules({ rules: [{ ...rule('x', 'block'), shadow: 1 }] })).toThrow(RuleLoadError);
  });

  it('goes into the audit record with the decision data', async () => {
    const sink = new MemorySink();
    const runner = runnerWith([new RuleGate({ rules }), new AuditGate({ sink })]);
    await runner.call('send_money', { amount: '500', currency: 'EUR' });
    const [record] = sink.records;
    const decision = record!.decisions!.find((d) => d.gate === 'rule')!;
    expect((decision.data as unknown as RuleDecisionData).shadow).toMatchObject({ outcome: 'block', enforced: false });
  });
});

describe('a shadowed gate', () => {
  const usage = async (store: MemoryBudgetStore) =>
    (await store.peek([{ key: 'budget:lifetime:*', max: '1', amount: '0' }], 0)).lines[0];

  it('is recorded with enforced: false in the audit record, and its reservations are settled like any other', async () => {
    const store = new MemoryBudgetStore();
    const budget = new BudgetGate({ store, shadow: true, budgets: [{ max: '1.00' }], cost: '0.40' });
    const gate = new RuleGate({
      rules: loadRules({ rules: [rule('no-gbp', 'block', { when: { path: '/currency', op: 'eq', value: 'GBP' } })] }),
    });
    const sink = new MemorySink();
    const runner = new GatedToolRunner({
      gates: [budget, gate, new AuditGate({ sink })],
      tools: [{ name: 'pay', parameters: { type: 'object' }, handler: () => 'paid' }],
    });
    // An enforced block after the shadowed budget: its hold is given back.
    expect((await runner.call('pay', { currency: 'GBP' })).status).toBe('blocked');
    expect(await usage(store)).toMatchObject({ spent: '0', held: '0' });
    // Two calls run and are charged; the third would exceed the budget, runs anyway and holds nothing.
    for (let i = 0; i < 2; i++) expect((await runner.call('pay', { currency: 'EUR' })).status).toBe('executed');
    const over = await runner.call('pay', { currency: 'EUR' });
    expect(over.status).toBe('executed');
    expect(over.decisions.find((d) => d.gate === 'budget')).toMatchObject({
      outcome: 'block',
      reason: 'budget_exceeded',
      enforced: false,
    });
    expect(await usage(store)).toMatchObject({ spent: '0.8', held: '0' });
    const audited = sink.records.at(-1)!.decisions!.find((d) => d.gate === 'budget');
    expect(audited).toMatchObject({ outcome: 'block', enforced: false });
    // The fast path seals `enforced` in canonical key order: the chain verifies as RFC 8785 JSON.
    expect(verifyRecords(sink.lines())).toMatchObject({ ok: true, records: 4 });
  });
});
