// The tool, gates and calls every case measures, so figures differ only by what a case turns on.

import { AuditGate, type FlushPolicy, JsonlFileSink, MemorySink } from '@tollgate/audit';
import { BudgetGate, MemoryBudgetStore } from '@tollgate/budget';
import { type CallContext, type Clock, type Gate, GatedToolRunner, type RunnerOptions } from '@tollgate/core';
import { MemoryRateStore, RateGate, rateKey, ThrottleGate } from '@tollgate/rate';
import { loadRules, RuleGate } from '@tollgate/rule';

/** The arguments as a model sends them: one JSON string. */
export const ARGS = '{"recipient":"DE89370400440532013000","amount":"12.50","currency":"EUR"}';
/** The same arguments, parsed, for the bare handler. */
export const PARSED_ARGS = JSON.parse(ARGS) as Record<string, unknown>;
/** Who calls. */
export const CONTEXT: CallContext = { tenant: 'acme', actor: 'agent:alice', scopes: ['payments:write'] };

/** An AgentDojo-style payment schema: strings, a decimal pattern, an enum. */
export const SCHEMA = {
  type: 'object',
  properties: {
    recipient: { type: 'string', minLength: 5, maxLength: 34 },
    amount: { type: 'string', pattern: '^\\d{1,9}(\\.\\d{1,2})?$' },
    currency: { enum: ['EUR', 'USD', 'GBP'] },
  },
  required: ['recipient', 'amount', 'currency'],
  additionalProperties: false,
} as const;

/** The handler: trivial, so what is measured is tollgate, not the tool. */
export function handler(args: Record<string, unknown>): { ok: true; amount: unknown } {
  return { ok: true, amount: args.amount };
}

/** Limits no benchmark reaches, so every measured call is admitted and does the full work. */
const HUGE_POINTS = 1_000_000_000;
const HUGE_BUDGET = '1000000000.00';

/** A rate gate with one per-actor limit, as docs/rate.md recommends. */
export function rateGate(options: Partial<ConstructorParameters<typeof RateGate>[0]> = {}): RateGate {
  return new RateGate({
    limits: { name: 'per-actor', key: rateKey('tenant', 'actor'), points: HUGE_POINTS, durationMs: 60_000 },
    store: new MemoryRateStore(),
    ...options,
  });
}

/** A daily budget per actor charged with the call's `amount`. */
export function budgetGate(options: Partial<ConstructorParameters<typeof BudgetGate>[0]> = {}): BudgetGate {
  return new BudgetGate({
    budgets: [{ name: 'daily', max: HUGE_BUDGET, windowMs: 86_400_000, key: (ctx) => ctx.actor ?? '-' }],
    cost: (args) => args.amount,
    store: new MemoryBudgetStore(),
    ...options,
  });
}

/** A payments policy in the JSON rule format: five rules, default-deny, a required scope. */
export const RULES_DOCUMENT = {
  rules: [
    { id: 'reads', effect: 'allow', reason: 'read_only', message: 'Reads are allowed.', match: { tool: 'get_*' } },
    {
      id: 'agent-payments',
      effect: 'allow',
      reason: 'agent_payment',
      message: 'Agents may pay within limits.',
      match: { tool: 'send_money', actor: 'agent:*' },
    },
    {
      id: 'review-large',
      effect: 'require_approval',
      reason: 'needs_review',
      message: 'Payments above 500.00 need a human approval.',
      match: { tool: 'send_money' },
      when: { path: '/amount', op: 'gt', value: '500.00' },
    },
    {
      id: 'hard-limit',
      effect: 'block',
      reason: 'amount_over_limit',
      message: 'Payments above 10000.00 are never sent by an agent.',
      match: { tool: 'send_money' },
      when: { path: '/amount', op: 'gt', value: '10000.00' },
    },
    {
      id: 'currencies',
      effect: 'block',
      reason: 'currency_blocked',
      message: 'Only EUR, USD and GBP.',
      match: { tool: 'send_money' },
      when: { not: { path: '/currency', op: 'in', value: ['EUR', 'USD', 'GBP'] } },
    },
  ],
};

/** The rule gate on {@link RULES_DOCUMENT}. */
export function ruleGate(name = 'rule'): RuleGate {
  return new RuleGate({
    name,
    rules: loadRules(RULES_DOCUMENT),
    defaultEffect: 'block',
    requiredScopes: { send_money: ['payments:write'] },
  });
}

/** An audit gate writing to a memory sink; cases empty `sink.records` between runs so long runs hold nothing. */
export function memoryAuditGate(name = 'audit'): { gate: AuditGate; sink: MemorySink } {
  const sink = new MemorySink();
  return { gate: new AuditGate({ name, sink }), sink };
}

/** An audit gate appending to a JSONL file (fsync policy: every append is durable before the call returns). */
export function fileAuditGate(path: string, name = 'audit-file'): { gate: AuditGate; sink: JsonlFileSink } {
  const sink = new JsonlFileSink(path);
  return { gate: new AuditGate({ name, sink }), sink };
}

/**
 * The full pipeline (rate, budget, rule) with a fail-closed write-ahead audit gate on a JSONL file: every executed
 * call's intent is fdatasynced before its handler runs.
 */
export function durableAuditGate(path: string, flush: FlushPolicy): { runner: GatedToolRunner; sink: JsonlFileSink } {
  const sink = new JsonlFileSink(path, { flush });
  const audit = new AuditGate({ name: 'audit-durable', sink, writeAhead: true });
  return { runner: paymentRunner([rateGate(), budgetGate(), ruleGate(), audit]), sink };
}

/** A throttle that never makes a call wait: what is measured is Bottleneck's own cost per job. */
export function throttleGate(): ThrottleGate {
  return new ThrottleGate({ maxConcurrent: 1_000_000, maxWaitMs: 10_000 });
}

/** A runner with the payment tool and `gates`. */
export function paymentRunner(gates: readonly Gate[], options: RunnerOptions = {}): GatedToolRunner {
  return new GatedToolRunner({
    ...options,
    gates,
    tools: [{ name: 'send_money', description: 'Send money.', parameters: SCHEMA, handler }],
  });
}

/** A clock the benchmark moves by hand (scaling cases), so windows end when the case says. */
export function manualClock(start = Date.UTC(2026, 10, 21)): Clock & { set(t: number): void } {
  let t = start;
  return {
    now: () => t,
    set: (v) => {
      t = v;
    },
  };
}
