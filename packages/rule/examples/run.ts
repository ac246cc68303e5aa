// Run from the repository root: node --conditions=@tollgate/source --import tsx packages/rule/examples/run.ts
import { fileURLToPath } from 'node:url';
import { type CallContext, GatedToolRunner, type GateResult } from '@tollgate/core';
import { type RuleDecisionData, RuleGate } from '@tollgate/rule';

const rulesFile = fileURLToPath(new URL('./rules.json', import.meta.url));

const gate = await RuleGate.fromFile(rulesFile, {
  // Default-deny: a call no rule allows is blocked.
  defaultEffect: 'block',
  requiredScopes: { send_payment: ['payments:write'] },
  // A predicate in code, for what JSON cannot see: here, a kill switch in the call's metadata.
  rules: [
    {
      id: 'kill-switch',
      effect: 'block',
      reason: 'kill_switch',
      message: 'All actions are paused by an operator. Tell the user and stop.',
      when: (ctx) => ctx.metadata.killSwitch === true,
    },
  ],
});

const runner = new GatedToolRunner({
  gates: [gate],
  clock: { now: () => Date.UTC(2026, 10, 21, 12) },
  tools: [
    {
      name: 'send_payment',
      parameters: {
        type: 'object',
        properties: {
          amount: { type: 'string', pattern: '^\\d+(\\.\\d{2})?$' },
          currency: { type: 'string' },
          to: { type: 'object', properties: { iban: { type: 'string' }, country: { type: 'string' } } },
        },
        required: ['amount', 'currency', 'to'],
      },
      handler: (args: { amount: string; currency: string }) => `sent ${args.amount} ${args.currency}`,
    },
    { name: 'get_balance', parameters: { type: 'object' }, handler: () => '1234.56 EUR' },
    {
      name: 'send_email',
      parameters: { type: 'object', properties: { to: { type: 'string' } }, required: ['to'] },
      handler: (args: { to: string }) => `mailed ${args.to}`,
    },
    { name: 'delete_account', parameters: { type: 'object' }, handler: () => 'deleted' },
  ],
});

const agent: CallContext = { actor: 'agent:billing', scopes: ['payments:write'] };
const payee = { iban: 'DE89370400440532013000', country: 'DE' };

function show(label: string, result: GateResult): void {
  const rule = result.decisions.find((d) => d.gate === 'rule');
  // On a resume the rule gate is skipped: its decision is the runner's `approved`, without matched rules.
  const matched = (rule?.data as RuleDecisionData | undefined)?.matched;
  const why = matched ? `matched: ${matched.map((m) => `${m.id}:${m.effect}`).join(', ') || 'none'}` : rule?.reason;
  console.log(`${label.padEnd(34)} ${result.status.padEnd(17)} ${result.reason.padEnd(22)} ${why}`);
}

show('small payment', await runner.call('send_payment', { amount: '120.00', currency: 'EUR', to: payee }, agent));
show('large payment', await runner.call('send_payment', { amount: '2500.00', currency: 'EUR', to: payee }, agent));
show('huge payment', await runner.call('send_payment', { amount: '25000.00', currency: 'EUR', to: payee }, agent));
show(
  'sanctioned payee',
  await runner.call('send_payment', { amount: '10.00', currency: 'EUR', to: { country: 'KP' } }, agent),
);
show(
  'payment without the scope',
  await runner.call('send_payment', { amount: '10.00', currency: 'EUR', to: payee }, { actor: 'agent:billing' }),
);
show(
  'payment by a human user',
  await runner.call(
    'send_payment',
    { amount: '10.00', currency: 'EUR', to: payee },
    { actor: 'user:ada', scopes: ['payments:write'] },
  ),
);
show('read balance', await runner.call('get_balance', {}, agent));
show('internal email', await runner.call('send_email', { to: 'ops@Example.com' }, agent));
show('external email', await runner.call('send_email', { to: 'someone@elsewhere.org' }, agent));
show(
  'external email by a support lead',
  await runner.call('send_email', { to: 'someone@elsewhere.org' }, { ...agent, roles: ['support-lead'] }),
);
show('unlisted tool (default-deny)', await runner.call('delete_account', {}, agent));
show('kill switch on', await runner.call('get_balance', {}, { ...agent, metadata: { killSwitch: true } }));

// The large payment waits for a human; approving it and resuming runs it once (the rule gate is not asked again).
const [pending] = await runner.pendingApprovals();
if (pending) {
  await runner.approve(pending.id, { by: 'treasurer@example.com' });
  show('large payment, approved + resumed', await runner.resume(pending.id));
}
