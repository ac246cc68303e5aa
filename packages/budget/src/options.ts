import type { GateContext, GateOptions } from '@tollgate/core';
import type { BudgetStore, CommitUsage } from './store.js';

/** An amount: a decimal string (`'12.50'`, preferred) or a finite number, read through `String(n)`. */
export type Amount = string | number;

/** A cost computed from the call, e.g. `(args) => args.amount` for a refund (bighub's `value_from_args`). */
export type CostFunction = (args: Record<string, unknown>, ctx: GateContext) => unknown;

/**
 * What a call costs:
 * - an {@link Amount}: fixed, charged on success;
 * - a {@link CostFunction}: computed from the arguments, charged on success;
 * - `{ estimate }`: the estimate (fixed or computed) is reserved, and on commit the handler's
 *   `ctx.report('cost', actual)` is charged instead (the estimate when nothing is reported).
 */
export type BudgetCost = Amount | CostFunction | { estimate: Amount | CostFunction };

/** One budget: a limit per ledger key and window. */
export interface BudgetSpec {
  /** Identifies the budget within its gate and in store keys (default: `lifetime`, or `<windowMs>ms`). */
  name?: string;
  /** The limit per key and window, a non-negative decimal string (or number). */
  max: Amount;
  /**
   * Fixed window length in ms, aligned to the epoch (86_400_000 = UTC days); omit for a lifetime budget.
   * Why fixed and not sliding: docs/budget.md, "Windows".
   */
  windowMs?: number;
  /** Which ledger a call charges, e.g. `(ctx) => ctx.actor ?? 'anonymous'` (default: one ledger, `'*'`). */
  key?: (ctx: GateContext) => string;
  /** How the model message names the budget, e.g. `'Daily budget for refunds'` (default `Budget "<name>"`). */
  label?: string;
}

/** What the gate tells `onSettle` after a commit. */
export interface BudgetSettleEvent {
  /** The model's call id. */
  callId: string;
  tool: string;
  /** The amount reserved in check, a decimal string. */
  reserved: string;
  /** The amount charged, a decimal string (the reported actual, or the reservation). */
  charged: string;
  /** True when the charge is the actual the handler reported and it is above the estimate. */
  overEstimate: boolean;
  /** Set when the handler reported a cost the gate could not use; the estimate was charged instead. */
  invalidReport?: string;
  /** Ledgers after the commit; `late` is true where the hold had expired before the commit. Empty on `error`. */
  ledgers: CommitUsage[];
  /**
   * Set when the commit never reached the store within `commitRetryMs`: nothing was charged, and the hold is
   * given back when its TTL passes.
   */
  error?: string;
}

/** Options for {@link BudgetGate}. */
export interface BudgetGateOptions extends GateOptions {
  /** The budgets every call must fit, all of them (at least one). */
  budgets: readonly BudgetSpec[];
  /** What a call costs (see {@link BudgetCost}). */
  cost: BudgetCost;
  /** Where ledgers live (default: a new MemoryBudgetStore, for one process). */
  store?: BudgetStore;
  /**
   * Told after every commit has reached the store (or failed for good, with `error`), e.g. to alert when an actual
   * cost passed its estimate. Commits leave without delaying the call's result, so this runs after it returned;
   * `runner.flush()` waits for it. Errors are ignored.
   */
  onSettle?: (event: BudgetSettleEvent) => void;
  /** How long a commit the store did not answer is retried, ms (default 30,000; 0 sends it once). */
  commitRetryMs?: number;
}

/**
 * Per-tool options: a tool's `gates[<gate name>]` entry. Each field given replaces the gate's own, e.g.
 * `gates: { budget: { cost: (args) => args.amount, budgets: [{ name: 'refunds', max: '100.00' }] } }`.
 */
export interface BudgetToolOptions {
  /** This tool's cost. */
  cost?: BudgetCost;
  /** This tool's budgets (replacing the gate's, not added to them). */
  budgets?: readonly BudgetSpec[];
}
