import { BudgetGate } from '@tollgate/budget';
import type { ReplayPolicy } from '@tollgate/cli';
import type { GateContext } from '@tollgate/core';
import { loadRules, RuleGate, type WhenRule } from '@tollgate/rule';
import { agentdojoContext, confine, perUserPerMinute, suiteTools } from './agentdojo.js';

/** Payees in the account's own history (AgentDojo's banking environment): paying them needs no approval. */
export const BANKING_KNOWN_PAYEES: readonly string[] = [
  'CH9300762011623852957',
  'GB29NWBK60161331926819',
  'SE3550000000054910000003',
  'US122000000121212121212',
];

const BANKING_TOOLS = suiteTools('banking');
const PAYMENTS = new Set(['send_money', 'schedule_transaction', 'update_scheduled_transaction']);
const SPENDING = new Set(['send_money', 'schedule_transaction']);

const BANKING_RULES = loadRules(
  {
    rules: [
      {
        id: 'credential-change',
        effect: 'require_approval',
        reason: 'credential_change',
        message: 'Changing the password locks the user out if it was not their wish; the user must approve it.',
        match: { tool: 'update_password' },
      },
      {
        id: 'profile-change',
        effect: 'require_approval',
        reason: 'profile_change',
        message: 'Changing the account holder’s details needs the user’s approval.',
        match: { tool: 'update_user_info' },
      },
    ],
  },
  { file: 'examples/policies/src/banking.ts' },
);

/** Money to someone new, or a scheduled payment redirected to someone new, is what a fraudster asks for. */
const newPayee: WhenRule = {
  id: 'new-payee',
  effect: 'require_approval',
  reason: 'new_payee',
  message: 'This payee is not in the account’s history; the user must approve paying them.',
  when: (ctx: GateContext) =>
    PAYMENTS.has(ctx.tool) &&
    ctx.args.recipient !== undefined &&
    !BANKING_KNOWN_PAYEES.includes(String(ctx.args.recipient).toUpperCase()),
};

/**
 * The banking suite (a policy for `tollgate replay`; the banking demo in examples/banking has its own): payments
 * to payees outside the account's history and password or profile changes need approval; at most 5 payments a
 * minute and 5,000.00 of payments a day per user.
 */
export const bankingPolicy = {
  name: 'banking',
  tools: BANKING_TOOLS,
  toolOptions: confine(BANKING_TOOLS, { payments: PAYMENTS, 'daily-spend': SPENDING }),
  gates: () => [
    perUserPerMinute('payments', 5),
    new BudgetGate({
      name: 'daily-spend',
      budgets: [
        {
          name: 'daily',
          max: '5000.00',
          windowMs: 86_400_000,
          key: (ctx) => `${ctx.tenant}:${ctx.actor}`,
          label: 'Daily payment budget',
        },
      ],
      cost: (args) => String(args.amount),
    }),
    new RuleGate({ rules: [...BANKING_RULES, newPayee] }),
  ],
  context: agentdojoContext,
  scope: 'episode',
} satisfies ReplayPolicy;

export default bankingPolicy;
