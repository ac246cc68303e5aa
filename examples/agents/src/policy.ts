import { BudgetGate } from '@tollgate/budget';
import { type Clock, GatedToolRunner, systemClock } from '@tollgate/core';
import { loadRules, RuleGate } from '@tollgate/rule';

/**
 * The bank's policy, in gates: payments above 1,000.00 wait for a person, and at most 2,500.00 may leave per actor
 * per day (decimal, reserved before the payment and charged only when it runs). The adapter adds no policy.
 */
export function paymentsRunner(clock: Clock = systemClock): GatedToolRunner {
  const rules = new RuleGate({
    rules: loadRules({
      rules: [
        {
          id: 'large-payment',
          effect: 'require_approval',
          reason: 'large_payment',
          message: 'Payments above 1,000.00 need a person to approve them. Tell the user it is being reviewed.',
          match: { tool: 'send_money' },
          when: { path: '/amount', op: 'gt', value: '1000.00' },
        },
      ],
    }),
  });
  const budget = new BudgetGate({
    budgets: [{ max: '2500.00', windowMs: 86_400_000, key: (ctx) => `payments:${ctx.actor}` }],
    cost: (args) => args.amount, // taken as a decimal, never a float
  });
  return new GatedToolRunner({ gates: [rules, budget], clock });
}
