import { GatedToolRunner, type GateResult, type RunnerOptions, type ToolDefinition } from '@tollgate/core';
import { blockWhen } from '@tollgate/test-utils';
import type { BudgetGate, BudgetLine, BudgetStore } from '../src/index.js';

/** Midnight UTC today: Redis expires windowed keys by its own clock, so test times must not lie in the past. */
export function todayUtc(): number {
  const now = Date.now();
  return now - (now % 86_400_000);
}

/** A clock the test moves by hand. */
export function manualClock(start = todayUtc()) {
  const clock = { t: start, now: () => clock.t };
  return clock;
}

/** A rule-stage gate that blocks calls whose args say `block: true`, to test release on a later block. */
export const blockWhenAsked = blockWhen('block');

/** A refund tool: charges `args.amount`, fails when `args.fail`, reports `args.actual` as its cost. */
export const refundTool: ToolDefinition = {
  name: 'refund',
  parameters: {
    type: 'object',
    properties: {
      amount: { type: ['number', 'string'] },
      actual: { type: 'string' },
      block: { type: 'boolean' },
      fail: { type: 'boolean' },
    },
  },
  handler: (args, ctx) => {
    if (args.actual !== undefined) ctx.report('cost', args.actual);
    if (args.fail) throw new Error('payment provider down');
    return { refunded: args.amount };
  },
};

/** A runner with the budget gate, the blocking rule gate and the refund tool. */
export function runnerWith(gate: BudgetGate, options: RunnerOptions = {}): GatedToolRunner {
  return new GatedToolRunner({ gates: [blockWhenAsked, gate], tools: [refundTool], ...options });
}

/** A ledger's state read without holding anything (a zero-amount peek). */
export async function ledger(store: BudgetStore, key: string, max: string, now: number, windowMs?: number) {
  const line: BudgetLine = { key, max, amount: '0' };
  if (windowMs !== undefined) line.windowMs = windowMs;
  const outcome = await store.peek([line], now);
  return outcome.lines[0]!;
}

/** The budget gate's decision data in a result. */
export function budgetData(result: GateResult): Record<string, unknown> | undefined {
  return result.decisions.find((d) => d.stage === 'budget')?.data;
}
