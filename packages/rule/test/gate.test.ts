import type { Gate, GateDecision, GateResult } from '@tollgate/core';
import { describe, expect, it } from 'vitest';
import { loadRules, type RuleDecisionData, RuleGate, type WhenRule } from '../src/index.js';
import { gateContext, rule, runnerWith } from './support.js';

function ruleDecision(result: GateResult): GateDecision & { data: RuleDecisionData } {
  const decision = result.decisions.find((d) => d.gate === 'rule');
  if (!decision) throw new Error(`no rule decision in ${JSON.stringify(result.decisions)}`);
  return decision as GateDecision & { data: RuleDecisionData };
}

describe('precedence: block > require_approval > allow, across every matching rule', () => {
  const rules = loadRules({
    rules: [
      rule('allow-all', 'allow'),
      rule('review-big', 'require_approval', { when: { path: '/amount', op: 'gt', value: '1000' } }),
      rule('allow-eur', 'allow', { when: { path: '/currency', op: 'eq', value: 'EUR' } }),
      rule('block-huge', 'block', { when: { path: '/amount', op: 'gt', value: '10000' } }),
      rule('review-usd', 'require_approval', { when: { path: '/currency', op: 'eq', value: 'USD' } }),
    ],
  });
  const runner = runnerWith([new RuleGate({ rules })]);

  it('a block wins whatever its position, and lists every match', async () => {
    const result = await runner.call('send_money', { amount: '20000', currency: 'USD' });
    expect(result).toMatchObject({ status: 'blocked', blockedBy: 'rule', reason: 'block_huge_reason' });
    expect(result.message).toBe('message of block-huge');
    expect(ruleDecision(result).data).toEqual({
      matched: [
        { id: 'allow-all', effect: 'allow', reason: 'allow_all_reason' },
        { id: 'review-big', effect: 'require_approval', reason: 'review_big_reason' },
        { id: 'block-huge', effect: 'block', reason: 'block_huge_reason' },
        { id: 'review-usd', effect: 'require_approval', reason: 'review_usd_reason' },
      ],
      evaluated: 5,
      decidedBy: 'block-huge',
    });
  });

  it('require_approval beats allow; the first such rule gives reason and message', async () => {
    const result = await runner.check('send_money', { amount: '5000', currency: 'USD' });
    expect(result).toMatchObject({ status: 'approval_required', reason: 'review_big_reason' });
    expect(ruleDecision(result).data.decidedBy).toBe('review-big');
    expect(ruleDecision(result).data.matched.map((m) => m.id)).toEqual(['allow-all', 'review-big', 'review-usd']);
  });

  it('allow when only allow rules match', async () => {
    const result = await runner.call('send_money', { amount: '10', currency: 'EUR' });
    expect(result.status).toBe('executed');
    expect(ruleDecision(result)).toMatchObject({ outcome: 'allow', reason: 'allow_all_reason' });
    expect(ruleDecision(result).data.matched.map((m) => m.id)).toEqual(['allow-all', 'allow-eur']);
  });
});

describe('matching on tool, actor, tenant, roles and scopes', () => {
  const rules = loadRules({
    rules: [
      rule('no-deploy-prod', 'block', { match: { tool: 'deploy.{prod,live}' } }),
      rule('send-needs-review', 'require_approval', { match: { tool: ['send_*', 'wire'], actor: 'agent:*' } }),
      rule('tenant-block', 'block', { match: { tenant: 'acme-?' } }),
      rule('admins-only-email', 'block', { match: { tool: 'send_email', roles: { none: ['admin'] } } }),
      rule('ops-balance', 'block', { match: { tool: 'read_balance', roles: { any: ['intern', 'guest'] } } }),
      rule('scoped-staging', 'block', {
        match: { tool: 'deploy.staging', scopes: { all: ['deploy', 'staging'], none: ['frozen'] } },
        when: { path: '/force', op: 'eq', value: true },
      }),
    ],
  });
  const runner = runnerWith([new RuleGate({ rules })]);
  const outcome = async (tool: string, args: Record<string, unknown>, context = {}) => {
    const result = await runner.check(tool, args, context);
    return [result.status, ruleDecision(result).data.matched.map((m) => m.id)];
  };

  it('tool globs', async () => {
    expect(await outcome('deploy.prod', {})).toEqual(['blocked', ['no-deploy-prod']]);
    expect(await outcome('deploy.staging', {})).toEqual(['allowed', []]);
  });

  it('actor globs; a call without an actor never matches an actor rule', async () => {
    expect(await outcome('send_money', {}, { actor: 'agent:billing' })).toEqual([
      'approval_required',
      ['send-needs-review'],
    ]);
    expect(await outcome('send_money', {}, { actor: 'user:ada' })).toEqual(['allowed', []]);
    expect(await outcome('send_money', {})).toEqual(['allowed', []]);
  });

  it('tenant globs', async () => {
    expect(await outcome('read_balance', {}, { tenant: 'acme-1' })).toEqual(['blocked', ['tenant-block']]);
    expect(await outcome('read_balance', {}, { tenant: 'acme-12' })).toEqual(['allowed', []]);
  });

  it('roles: none and any', async () => {
    expect(await outcome('send_email', {}, { roles: ['support'] })).toEqual(['blocked', ['admins-only-email']]);
    expect(await outcome('send_email', {}, { roles: ['support', 'admin'] })).toEqual(['allowed', []]);
    expect(await outcome('read_balance', {}, { roles: ['guest'] })).toEqual(['blocked', ['ops-balance']]);
    expect(await outcome('read_balance', {}, { roles: ['ops'] })).toEqual(['allowed', []]);
  });

  it('scopes: all and none, with a condition on the args', async () => {
    const scopes = ['deploy', 'staging'];
    expect(await outcome('deploy.staging', { force: true }, { scopes })).toEqual(['blocked', ['scoped-staging']]);
    expect(await outcome('deploy.staging', { force: false }, { scopes })).toEqual(['allowed', []]);
    expect(await outcome('deploy.staging', { force: true }, { scopes: ['deploy'] })).toEqual(['allowed', []]);
    expect(await outcome('deploy.staging', { force: true }, { scopes: [...scopes, 'frozen'] })).toEqual([
      'allowed',
      [],
    ]);
  });
});

describe('default effect', () => {
  const allowSmall = loadRules({
    rules: [
      rule('allow-small', 'allow', { match: { tool: 'send_money' }, when: { path: '/amount', op: 'lte', value: 100 } }),
    ],
  });

  it('is allow unless configured', async () => {
    const result = await runnerWith([new RuleGate()]).call('send_email', {});
    expect(result.status).toBe('executed');
    expect(ruleDecision(result)).toMatchObject({ reason: 'ok', data: { matched: [], evaluated: 0, defaulted: true } });
  });

  it('default-deny: only what an allow rule matches runs', async () => {
    const runner = runnerWith([new RuleGate({ rules: allowSmall, defaultEffect: 'block' })]);
    expect((await runner.call('send_money', { amount: '99.99' })).status).toBe('executed');
    const blocked = await runner.call('send_money', { amount: '100.01' });
    expect(blocked).toMatchObject({ status: 'blocked', reason: 'no_rule_matched' });
    expect(blocked.message).toContain('No rule allows "send_money"');
    expect((await runner.call('send_email', {})).reason).toBe('no_rule_matched');
  });

  it('unmatched → human in the loop (kitelogik)', async () => {
    const runner = runnerWith([new RuleGate({ rules: allowSmall, defaultEffect: 'require_approval' })]);
    const result = await runner.call('send_money', { amount: '500' });
    expect(result).toMatchObject({ status: 'approval_required', reason: 'no_rule_matched' });
  });

  it('a tool can override it', async () => {
    const runner = runnerWith([new RuleGate({ rules: allowSmall })], {
      send_money: { rule: { defaultEffect: 'block' } },
    });
    expect((await runner.call('send_money', { amount: '500' })).reason).toBe('no_rule_matched');
    expect((await runner.call('send_email', {})).status).toBe('executed');
  });
});

describe('required scopes', () => {
  const gate = new RuleGate({ requiredScopes: { 'send_*': ['payments:write'], '*': ['agent'] } });
  const runner = runnerWith([gate], { send_money: { rule: { requiredScopes: ['payments:large'] } } });

  it('blocks with missing_scope naming the missing scopes', async () => {
    const result = await runner.call('send_money', { amount: 1 }, { scopes: ['agent', 'payments:write'] });
    expect(result).toMatchObject({ status: 'blocked', reason: 'missing_scope' });
    expect(result.message).toContain('lacks payments:large');
    expect(ruleDecision(result).data).toMatchObject({
      requiredScopes: ['payments:write', 'agent', 'payments:large'],
      missingScopes: ['payments:large'],
    });
  });

  it('runs when every required scope is held', async () => {
    const scopes = ['agent', 'payments:write', 'payments:large'];
    expect((await runner.call('send_money', { amount: 1 }, { scopes })).status).toBe('executed');
    expect((await runner.call('read_balance', {}, { scopes: ['agent'] })).status).toBe('executed');
    const missing = await runner.call('send_email', {}, {});
    expect(ruleDecision(missing).data.missingScopes).toEqual(['payments:write', 'agent']);
  });
});

describe('per-tool options', () => {
  const gateRules = loadRules({
    rules: [rule('no-huge', 'block', { when: { path: '/amount', op: 'gt', value: 1e6 } })],
  });
  const toolRules = loadRules({
    rules: [
      rule('email-review', 'require_approval', { when: { path: '/to', op: 'matches', value: '@external\\.com$' } }),
    ],
  });

  it("adds the tool's rules after the gate's", async () => {
    const runner = runnerWith([new RuleGate({ rules: gateRules })], { send_email: { rule: { rules: toolRules } } });
    const result = await runner.check('send_email', { to: 'x@external.com', amount: 2e6 });
    expect(result.reason).toBe('no_huge_reason');
    expect(ruleDecision(result).data).toMatchObject({
      evaluated: 2,
      matched: [{ id: 'no-huge' }, { id: 'email-review' }],
    });
    expect((await runner.check('send_money', { to: 'x@external.com' })).status).toBe('allowed');
  });

  it('malformed tool options are refused when the tool is registered, naming the tool and the path', () => {
    const dupRule = { rules: [{ id: 'no-huge', effect: 'block', reason: 'dup', message: 'm', when: () => true }] };
    expect(() => runnerWith([new RuleGate({ rules: gateRules })], { send_email: { rule: dupRule } })).toThrow(
      'Tool "send_email" has invalid gates.rule options at /rules/0/id: duplicate rule id "no-huge"',
    );
    expect(() =>
      runnerWith([new RuleGate({ rules: gateRules })], { send_money: { rule: { requiredScopes: 'payments' } } }),
    ).toThrow(/\/requiredScopes/);
  });

  it('refuses unknown option keys the way every gate does, and compiles the options once', () => {
    expect(() => runnerWith([new RuleGate({ rules: gateRules })], { send_money: { rule: { rulez: [] } } })).toThrow(
      'Tool "send_money" has invalid gates.rule options: unknown option rulez (known: rules, requiredScopes, defaultEffect, action)',
    );
    const gate = new RuleGate({ rules: gateRules });
    const config = gate.compileToolOptions({ requiredScopes: ['payments'] }, 'send_money');
    expect(gate.check(gateContext('send_money', {}), config)).toMatchObject({ reason: 'missing_scope' });
  });

  it('`gates: { rule: false }` skips the gate for a tool', async () => {
    const runner = runnerWith([new RuleGate({ defaultEffect: 'block' })], { read_balance: { rule: false } });
    expect((await runner.call('read_balance', {})).status).toBe('executed');
    expect((await runner.call('send_email', {})).status).toBe('blocked');
  });
});

describe('require_approval through the runner', () => {
  it('stores a pending approval; approve + resume executes, skipping the rule gate and re-running the others', async () => {
    let otherChecks = 0;
    const other: Gate = {
      name: 'counter',
      stage: 'decision',
      check: () => {
        otherChecks++;
        return { outcome: 'allow', reason: 'ok' };
      },
    };
    let ruleChecks = 0;
    const counted: WhenRule = {
      id: 'review-wires',
      effect: 'require_approval',
      reason: 'wire_review',
      message: 'Wires need a human.',
      when: (ctx) => {
        ruleChecks++;
        return ctx.tool === 'send_money';
      },
    };
    const runner = runnerWith([new RuleGate({ rules: [counted] }), other]);
    const first = await runner.call('send_money', { amount: '250.00' }, { actor: 'agent:1' });
    expect(first).toMatchObject({ status: 'approval_required', blockedBy: 'rule', reason: 'wire_review' });
    const id = first.approval!.id;
    const stored = await runner.getApproval(id);
    expect(stored).toMatchObject({ status: 'pending', gates: ['rule'], reason: 'wire_review' });
    expect(stored!.data.rule).toMatchObject({ matched: [{ id: 'review-wires', effect: 'require_approval' }] });

    expect((await runner.approve(id, { by: 'ops@example.com' })).ok).toBe(true);
    const resumed = await runner.resume(id);
    expect(resumed).toMatchObject({ status: 'executed', result: 'ran send_money', resumedFrom: id });
    expect(ruleDecision(resumed)).toMatchObject({ outcome: 'allow', reason: 'approved' });
    expect(ruleChecks).toBe(1);
    expect(otherChecks).toBe(2);
  });
});

describe('dry run', () => {
  it('gives the same answer as a real call', async () => {
    const rules = loadRules({ rules: [rule('b', 'block', { when: { path: '/amount', op: 'gte', value: '10' } })] });
    const runner = runnerWith([new RuleGate({ rules })]);
    for (const amount of ['9.99', '10', '10.01']) {
      const [dry, real] = [await runner.check('send_money', { amount }), await runner.call('send_money', { amount })];
      expect(ruleDecision(dry)).toEqual(ruleDecision(real));
    }
  });
});
