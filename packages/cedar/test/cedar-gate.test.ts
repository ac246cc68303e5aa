import { GatedToolRunner, type GateResult } from '@tollgate/core';
import { describe, expect, it } from 'vitest';
import { CedarGate, type CedarGateOptions, CedarPolicyError } from '../src/index.js';

const schema = `
entity User;
entity Account;
type CallContext = {
  tool: String,
  args: { amount: Long, to: String },
  scopes: Set<String>,
  roles: Set<String>,
};
action "send_money" appliesTo { principal: User, resource: Account, context: CallContext };
action "read_balance" appliesTo { principal: User, resource: Account, context: CallContext };
`;

const policies = `
@id("reads")
permit(principal, action == Action::"read_balance", resource);

@id("small-payments")
@reason("small_payment")
permit(principal, action == Action::"send_money", resource) when { context.args.amount <= 100 };

@id("large-payments")
@effect("require_approval")
@reason("large_payment")
@message("Payments over 100 need a manager's approval.")
permit(principal, action == Action::"send_money", resource) when { context.args.amount > 100 };

@id("no-interns")
@reason("intern_payments_forbidden")
@message("Interns may not send money.")
forbid(principal, action == Action::"send_money", resource) when { context.roles.contains("intern") };

@id("frozen-account")
forbid(principal, action, resource == Account::"frozen");
`;

function setup(options: Partial<CedarGateOptions> = {}) {
  const gate = new CedarGate({
    policies,
    schema,
    actions: { transfer: 'send_money' },
    resource: (args) => ({ type: 'Account', id: String(args.from ?? 'main') }),
    ...options,
  });
  const tools = ['send_money', 'transfer', 'read_balance', 'delete_account'].map((name) => ({
    name,
    parameters: { type: 'object' },
    handler: () => `ran ${name}`,
  }));
  return new GatedToolRunner({ gates: [gate], tools });
}

const cedarData = (r: GateResult) => r.decisions.find((d) => d.gate === 'cedar')!.data as Record<string, unknown>;

describe('CedarGate with real Cedar policies', () => {
  const runner = setup();
  const alice = { actor: 'alice', roles: ['agent'] };

  it('permits by a permit policy, with principal, action and resource from the call', async () => {
    const paid = await runner.call('send_money', { amount: 40, to: 'bob' }, alice);
    expect(paid.status).toBe('executed');
    expect(cedarData(paid)).toMatchObject({
      decision: 'allow',
      policies: ['small-payments'],
      principal: 'User::"alice"',
      action: 'send_money',
      resource: 'Account::"main"',
    });
    expect((await runner.call('read_balance', {}, alice)).status).toBe('executed');
  });

  it('sends a call permitted only by an @effect("require_approval") permit to a human, and runs it once approved', async () => {
    const big = await runner.call('send_money', { amount: 500, to: 'bob' }, alice);
    expect(big).toMatchObject({ status: 'approval_required', reason: 'large_payment' });
    expect(big.message).toContain("Payments over 100 need a manager's approval.");
    expect((await runner.approve(big.approval!.id, { by: 'manager' })).ok).toBe(true);
    expect((await runner.resume(big.approval!.id)).status).toBe('executed');
  });

  it('forbids by context conditions and by resource, with the policy’s reason and message', async () => {
    const intern = await runner.call('send_money', { amount: 5, to: 'bob' }, { actor: 'ian', roles: ['intern'] });
    expect(intern).toMatchObject({
      status: 'blocked',
      reason: 'intern_payments_forbidden',
      message: 'Interns may not send money.',
    });
    const frozen = await runner.call('read_balance', { from: 'frozen' }, alice);
    expect(frozen).toMatchObject({ status: 'blocked', reason: 'cedar_denied' });
    expect(frozen.message).toContain('frozen-account');
  });

  it('blocks what no policy permits (Cedar’s default deny), and maps a tool to a policy action name', async () => {
    expect(await runner.call('delete_account', {}, alice)).toMatchObject({
      status: 'blocked',
      reason: 'cedar_no_permit',
    });
    const mapped = await runner.call('transfer', { amount: 500, to: 'bob' }, alice);
    expect(mapped).toMatchObject({ status: 'approval_required', reason: 'large_payment' });
  });

  it('an argument Cedar cannot compare (a float becomes a string) errors the policy and nothing permits', async () => {
    const odd = await runner.call('send_money', { amount: 12.5, to: 'bob' }, alice);
    expect(odd).toMatchObject({ status: 'blocked', reason: 'cedar_no_permit' });
    expect(cedarData(odd).errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ policyId: 'small-payments' })]),
    );
  });

  it('a resource function that throws goes through the fail mode', async () => {
    const broken = setup({
      resource: () => {
        throw new Error('no account');
      },
    });
    expect(await broken.call('read_balance', {}, alice)).toMatchObject({ status: 'blocked', reason: 'gate_error' });
  });
});

describe('CedarGate refuses bad policies at construction, naming the problem', () => {
  const make =
    (p: string, s: CedarGateOptions['schema'] = schema) =>
    () =>
      new CedarGate({ policies: p, schema: s });

  it('a policy that does not match the schema', () => {
    const bad =
      '@id("currency")\npermit(principal, action == Action::"send_money", resource) when { context.args.currency == "EUR" };';
    expect(make(bad)).toThrow(CedarPolicyError);
    expect(make(bad)).toThrow(/do not match the schema:\n {2}- currency: .*currency/);
  });

  it('a syntax error, a bad schema, and annotations the gate cannot use', () => {
    expect(make('permit(principal, action resource);')).toThrow(/do not parse/);
    expect(make('permit(principal, action, resource);', 'entity User; entity')).toThrow(/schema does not parse/);
    expect(make('@effect("require_approval")\nforbid(principal, action, resource);')).toThrow(
      /@effect takes only "require_approval", on a permit policy/,
    );
    expect(make('@reason("Not Snake")\npermit(principal, action, resource);')).toThrow(
      /@reason must be a snake_case code/,
    );
    expect(
      make('@id("a")\npermit(principal, action, resource);\n@id("a")\nforbid(principal, action, resource);'),
    ).toThrow(/a: two policies have this id/);
  });
});
