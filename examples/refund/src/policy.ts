import { BudgetGate } from '@tollgate/budget';
import { type Clock, GatedToolRunner, systemClock } from '@tollgate/core';
import { loadRules, RuleGate } from '@tollgate/rule';

/** The refund desk's limits. Amounts are decimal strings. */
export interface RefundPolicyOptions {
  /** Refunds above this need a human (default `'250.00'`). */
  approvalThreshold?: string;
  /** Most the agent may refund per UTC day, in total (default `'1000.00'`). */
  dailyBudget?: string;
  /** Time source for the daily window (default the system clock). */
  clock?: Clock;
}

/** What `refund_payment` receives. */
export interface RefundArgs {
  /** The order to refund, `ord_…`. */
  order_id: string;
  /** How much, in the order's currency (the refund's value for the budget and the rule). */
  amount: number;
}

/** What the payment processor answered (here a stand-in that records the refund). */
export interface RefundReceipt {
  ok: true;
  /** The processor's refund id, `re_…`. */
  refund_id: string;
  /** The order refunded. */
  order_id: string;
  /** The amount refunded. */
  amount: number;
}

/** The refund runner, and every refund its handler made, in order. */
export interface RefundDesk {
  runner: GatedToolRunner;
  refunds: RefundReceipt[];
}

/** The policy's defaults. */
export const REFUND_DEFAULTS = { approvalThreshold: '250.00', dailyBudget: '1000.00' } as const;

/**
 * A runner with bighub-openai's quickstart tool, `refund_payment(order_id, amount)`, whose value is its
 * `amount` (the seed's `value_from_args`): refunds above the threshold wait for a human (rule), and the day's
 * refunds may not exceed the daily budget (budget, decimal, checked before the rule, so an approval is never
 * asked for a refund that could not be paid anyway). The handler records each refund in `refunds`.
 */
export function refundRunner(options: RefundPolicyOptions = {}): RefundDesk {
  const threshold = options.approvalThreshold ?? REFUND_DEFAULTS.approvalThreshold;
  const rules = new RuleGate({
    name: 'refund-rules',
    rules: loadRules({
      rules: [
        {
          id: 'large-refund',
          effect: 'require_approval',
          reason: 'refund_needs_approval',
          message: `Refunds above ${threshold} need a human approval. Tell the customer it is being reviewed.`,
          match: { tool: 'refund_payment' },
          when: { path: '/amount', op: 'gt', value: threshold },
        },
      ],
    }),
  });
  const budget = new BudgetGate({
    name: 'daily-refunds',
    budgets: [
      {
        name: 'daily',
        max: options.dailyBudget ?? REFUND_DEFAULTS.dailyBudget,
        windowMs: 86_400_000,
        label: 'Daily refund budget',
      },
    ],
    cost: (args) => args.amount,
  });
  const refunds: RefundReceipt[] = [];
  const runner = new GatedToolRunner({ gates: [rules, budget], clock: options.clock ?? systemClock });
  runner.register<RefundArgs, RefundReceipt>({
    name: 'refund_payment',
    description: 'Refund an order to the customer, in the order currency.',
    parameters: {
      type: 'object',
      properties: {
        order_id: { type: 'string', pattern: '^ord_[A-Za-z0-9]+$', description: 'The order id, ord_…' },
        amount: { type: 'number', exclusiveMinimum: 0, description: 'Amount to refund, e.g. 199.99' },
      },
      required: ['order_id', 'amount'],
      additionalProperties: false,
    },
    strict: true,
    handler: (args) => {
      const receipt: RefundReceipt = { ok: true, refund_id: `re_${refunds.length + 1}`, ...args };
      refunds.push(receipt);
      return receipt;
    },
  });
  return { runner, refunds };
}
