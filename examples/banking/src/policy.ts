import { BudgetGate } from '@tollgate/budget';
import type { Gate, GateContext, ToolDefinition } from '@tollgate/core';
import { ProvenanceGate } from '@tollgate/provenance';
import { RateGate, rateKey } from '@tollgate/rate';
import { compareDecimal, RuleGate, type WhenRule } from '@tollgate/rule';

/** The bank's settings for the agent. Amounts are decimal strings in the account's currency. */
export interface BankPolicyOptions {
  /** IBANs the account has paid or been paid by before the session (see `knownPayees`). */
  knownPayees: ReadonlySet<string>;
  /** Most the agent may send per account per UTC day (default `'2500.00'`). */
  dailyLimit?: string;
  /** Payments (sent or scheduled) per account and session in `paymentWindowMs` (default 3). */
  paymentsPerWindow?: number;
  /** The payment rate window, ms (default 10 minutes). */
  paymentWindowMs?: number;
}

/**
 * The gates of the bank's policy, and the per-tool parts to attach to the banking tools. The same shape as a
 * `tollgate replay` policy's `gates()` result, so `examples/policies` replays this very policy.
 */
export interface BankPolicy {
  /** Runner-wide gates: the policy rules. Add an audit gate beside them to record every call. */
  gates: Gate[];
  /** Per tool: gates that apply to it alone (`use`) and its rules (`gates`). */
  tools: Record<string, Pick<ToolDefinition, 'use' | 'gates'>>;
}

/** The policy's defaults: 2,500.00 a day, 3 payments per session per 10 minutes. */
export const POLICY_DEFAULTS = { dailyLimit: '2500.00', paymentsPerWindow: 3, paymentWindowMs: 10 * 60_000 } as const;

const RULES = 'bank-policy';
const DAY_MS = 86_400_000;

/** IBANs compare without spaces and case: `gb29 nwbk…` is `GB29NWBK…`. */
export function normalizeIban(value: unknown): string {
  return typeof value === 'string' ? value.replace(/\s+/g, '').toUpperCase() : '';
}

/**
 * The policy a bank would put around an agent acting for an account holder:
 *
 * - money may flow without a human only to payees the account already knows, so a payment, a scheduled
 *   payment or a change of a scheduled payment's recipient to any other IBAN waits for approval;
 * - password and profile (address) changes, which hand over the account, wait for approval;
 * - at most `dailyLimit` sent per account per UTC day (budget), and scheduled payments above it need approval;
 * - at most `paymentsPerWindow` payments per session per window (rate), a brake on a looping agent.
 *
 * The audit trail is the deployment's to add (the demo writes a fail-closed write-ahead JSONL file).
 */
export function bankPolicy(options: BankPolicyOptions): BankPolicy {
  const dailyLimit = options.dailyLimit ?? POLICY_DEFAULTS.dailyLimit;
  const known = new Set([...options.knownPayees].map(normalizeIban));
  const isKnown = (iban: unknown) => known.has(normalizeIban(iban));

  const payments = new RateGate({
    name: 'payments',
    limits: {
      name: 'per-session',
      key: rateKey('actor', 'session'),
      points: options.paymentsPerWindow ?? POLICY_DEFAULTS.paymentsPerWindow,
      durationMs: options.paymentWindowMs ?? POLICY_DEFAULTS.paymentWindowMs,
    },
  });
  const spend = new BudgetGate({
    name: 'daily-spend',
    budgets: [
      {
        name: 'daily',
        max: dailyLimit,
        windowMs: DAY_MS,
        key: (ctx) => ctx.actor ?? 'anonymous',
        label: 'Daily transfer limit',
      },
    ],
    cost: (args) => args.amount,
  });

  const unknownPayee = (id: string, field: string, what: string): WhenRule => ({
    id,
    effect: 'require_approval',
    reason: 'unknown_payee',
    message: `${what} to an account this customer has never paid needs the customer's confirmation. Tell the user it awaits their approval.`,
    when: (ctx: GateContext) => ctx.args[field] != null && !isKnown(ctx.args[field]),
  });
  const largeScheduled: WhenRule = {
    id: 'large-scheduled-payment',
    effect: 'require_approval',
    reason: 'large_scheduled_payment',
    message: `Scheduled payments above ${dailyLimit} need the customer's confirmation.`,
    when: (ctx) => (compareDecimal(ctx.args.amount, dailyLimit) ?? 0) > 0,
  };
  const rules = (...list: WhenRule[]) => ({ [RULES]: { rules: list } });

  return {
    gates: [new RuleGate({ name: RULES })],
    tools: {
      send_money: { use: [payments, spend], gates: rules(unknownPayee('payee-unknown', 'recipient', 'A payment')) },
      schedule_transaction: {
        use: [payments],
        gates: rules(unknownPayee('payee-unknown', 'recipient', 'A scheduled payment'), largeScheduled),
      },
      update_scheduled_transaction: {
        gates: rules(
          unknownPayee('new-recipient-unknown', 'recipient', 'Redirecting a scheduled payment'),
          largeScheduled,
        ),
      },
      update_password: {
        gates: rules({
          id: 'credential-change',
          effect: 'require_approval',
          reason: 'credential_change',
          message:
            'Changing the password needs the customer to confirm it through the bank, not through the assistant.',
          when: () => true,
        }),
      },
      update_user_info: {
        gates: rules({
          id: 'profile-change',
          effect: 'require_approval',
          reason: 'profile_change',
          message: "Changing the customer's personal details needs their confirmation.",
          when: () => true,
        }),
      },
    },
  };
}

/** The money movers and their recipient argument. */
const PAYMENT_TOOLS = ['send_money', 'schedule_transaction', 'update_scheduled_transaction'];

/**
 * The bank's provenance gate: a payment's recipient IBAN and a new password must come from the account holder (or
 * from the bank's own records, as whole fields: a payee in the ledger's `recipient` field), not from text a tool
 * returned (a bill, a notice, a transaction's subject). Otherwise a person approves, seeing where the value came from.
 */
export function bankProvenance(): ProvenanceGate {
  return new ProvenanceGate({
    sinks: [
      { id: 'payee', tools: PAYMENT_TOOLS, path: '/recipient', kind: 'iban', label: 'the recipient IBAN' },
      { id: 'new-password', tools: 'update_password', path: '/password', kind: 'string', label: 'the new password' },
    ],
    trustFields: true,
  });
}
