import { randomUUID } from 'node:crypto';
import {
  errorText,
  type FailMode,
  type Gate,
  type GateContext,
  type GateVerdict,
  type Reservation,
  readToolOptions,
  type SettleInfo,
  ToolOptionsError,
  UnavailableError,
} from '@tollgate/core';
import type { Decimal } from 'decimal.js';
import { AmountCache, BudgetAmountError, formatAmount, Money, parseAmount, writtenDecimals } from './amount.js';
import { MemoryBudgetStore } from './memory-store.js';
import type {
  BudgetCost,
  BudgetGateOptions,
  BudgetSettleEvent,
  BudgetSpec,
  BudgetToolOptions,
  CostFunction,
} from './options.js';
import type { BudgetLine, BudgetStore, CommitLine, ReserveOutcome } from './store.js';

/** Stable reason codes of {@link BudgetGate}. */
export const BudgetReason = {
  /** The call's cost does not fit a budget's remaining amount. */
  budgetExceeded: 'budget_exceeded',
  /** The cost is not a non-negative decimal amount the store can hold. */
  invalidAmount: 'invalid_amount',
} as const;

/** A budget compiled by the gate. */
export interface CompiledBudget {
  name: string;
  max: Decimal;
  /** `max` as the store takes it, formatted once. */
  maxText: string;
  /** `max` with the budget's own decimals, as answers usually show it. */
  maxShown: string;
  decimals: number;
  windowMs: number | undefined;
  key: (ctx: GateContext) => string;
  label: string;
}

/** A tool's budget options compiled at `register()`: its cost and its budgets (what `check` receives). */
export interface BudgetPlan {
  readonly cost: BudgetCost;
  readonly budgets: readonly CompiledBudget[];
}

/**
 * The budget stage: refuses calls whose cost does not fit the remaining amount of every budget, and holds
 * the cost while the call runs (reserve in check, commit on success, release on a later block or a failure),
 * as actiongate's BudgetGate does with `reserve`/`commit`/`release`, but atomically across processes.
 *
 * Decisions carry `data: { spent, held, requested, remaining, max, key, budget, window, windowStart?,
 * resetsAt? }` with every amount a decimal string, for the tightest budget (the blocking one on a block);
 * `data.budgets` lists each budget when there are several. Blocks: `budget_exceeded`, `invalid_amount`,
 * a store that cannot answer throws core's `UnavailableError` (`store_unavailable`, or allowed unchecked when
 * fail-open). Dry runs answer from the store without holding anything.
 */
export class BudgetGate implements Gate<BudgetPlan, BudgetToolOptions> {
  /** Name in decisions, `gates[name]` tool options and ledger keys (default `budget`). */
  readonly name: string;
  readonly stage = 'budget' as const;
  /** Its check only reserves (or reads), so the runner may issue it with the rate gate's in one round trip. */
  readonly concurrent = true;
  /** What a store failure does: `'closed'` blocks with `store_unavailable`, `'open'` allows unchecked. */
  readonly failMode: FailMode;
  /** Evaluate and record, never enforce (see `GateOptions.shadow`). */
  readonly shadow: boolean;
  private readonly store: BudgetStore;
  private readonly plan: BudgetPlan;
  private readonly onSettle: BudgetGateOptions['onSettle'];
  /** Costs given as strings recur (fixed costs, usual amounts): each is parsed once. */
  private readonly costs = new AmountCache();
  private readonly commitRetryMs: number;
  /** Commits sent and not yet answered (or retrying). */
  private readonly sending = new Set<Promise<void>>();

  /**
   * @throws {TypeError} for an invalid budget or cost, or one the store cannot hold (a max or fixed cost with
   *   more decimals than its scale, or above its largest amount): configuration errors surface at start-up.
   */
  constructor(options: BudgetGateOptions) {
    this.name = options.name ?? 'budget';
    this.failMode = options.failMode ?? 'closed';
    this.shadow = options.shadow ?? false;
    this.store = options.store ?? new MemoryBudgetStore();
    this.onSettle = options.onSettle;
    this.commitRetryMs = options.commitRetryMs ?? 30_000;
    if (!Number.isSafeInteger(this.commitRetryMs) || this.commitRetryMs < 0) {
      throw new TypeError(`commitRetryMs must be a whole number of ms ≥ 0, got ${options.commitRetryMs}`);
    }
    this.plan = {
      cost: checkCost(options.cost, this.store),
      budgets: compileBudgets(options.budgets, this.store),
    };
  }

  /**
   * Compiles a tool's {@link BudgetToolOptions} once, when it is registered.
   * @throws {ToolOptionsError} naming tool, gate and path, for options the gate or its store cannot use
   */
  compileToolOptions(raw: BudgetToolOptions | undefined, tool: string): BudgetPlan {
    const site = { gate: this.name, tool };
    const options = readToolOptions(raw, site, ['cost', 'budgets']) as BudgetToolOptions | undefined;
    if (options === undefined) return this.plan;
    const at = <T>(path: string, fn: () => T): T => {
      try {
        return fn();
      } catch (err) {
        throw new ToolOptionsError(site, path, errorText(err), { cause: err });
      }
    };
    return {
      cost: options.cost === undefined ? this.plan.cost : at('/cost', () => checkCost(options.cost!, this.store)),
      budgets:
        options.budgets === undefined
          ? this.plan.budgets
          : at('/budgets', () => compileBudgets(options.budgets!, this.store)),
    };
  }

  /**
   * Reserves the call's cost on every budget (or, on a dry run, only answers). `plan` is the tool's compiled
   * options. A bad amount is a verdict (`invalid_amount`); throws `UnavailableError` when the store cannot answer,
   * and `TypeError` for a key function that returns no string (both mapped by the runner through `failMode`).
   */
  async check(ctx: GateContext, plan: BudgetPlan = this.plan): Promise<GateVerdict> {
    const estimate = typeof plan.cost === 'object';
    let amount: Decimal;
    try {
      const cost = costOf(plan.cost, ctx);
      amount = typeof cost === 'string' ? this.costs.parse(cost) : parseAmount(cost, 'amount');
    } catch (err) {
      if (err instanceof BudgetAmountError) return invalid(err);
      throw err;
    }
    const amountText = amount.toFixed();
    const lines: BudgetLine[] = plan.budgets.map((b) => ({
      key: `${this.name}:${b.name}:${keyOf(b, ctx)}`,
      max: b.maxText,
      windowMs: b.windowMs,
      amount: amountText,
    }));
    const id = randomUUID();
    let outcome: ReserveOutcome;
    try {
      const now = ctx.clock.now();
      outcome = ctx.dryRun ? await this.store.peek(lines, now) : await this.store.reserve(id, lines, now);
    } catch (err) {
      if (err instanceof BudgetAmountError) return invalid(err);
      // A reserve that timed out may still apply once Redis answers again: give its id back, retrying, so the
      // money is spendable again within seconds of recovery instead of after the hold's TTL.
      if (!ctx.dryRun) {
        const keys = lines.map((l) => l.key);
        this.retry(() => this.store.release(id, keys, ctx.clock.now()));
      }
      throw new UnavailableError('the budget store', { cause: err });
    }
    const report = describe(plan.budgets, outcome, amount, estimate);
    if (!outcome.ok) {
      return { outcome: 'block', reason: BudgetReason.budgetExceeded, message: report.message, ...report.extra };
    }
    const verdict: GateVerdict = { outcome: 'allow', reason: 'ok', data: report.extra.data };
    if (!ctx.dryRun) verdict.reservation = this.reservation(ctx, id, lines, amount, estimate);
    return verdict;
  }

  /**
   * Resolves once every commit sent so far has reached the store, or was given up on after `commitRetryMs`
   * (reported to `onSettle` with `error`). The runner's `flush()` and `close()` call it.
   */
  async flush(): Promise<void> {
    while (this.sending.size > 0) await Promise.all(this.sending);
  }

  /** Sends a commit without waiting for it; `onSettle` hears how it ended. */
  private send(id: string, lines: CommitLine[], now: number, event: BudgetSettleEvent): void {
    let attempt = 0;
    this.retry(
      async () => {
        event.ledgers = await this.store.commit(id, lines, now, attempt++ > 0);
      },
      (err) => {
        if (err !== undefined) event.error = `the commit did not reach the budget store: ${errorText(err)}`;
        try {
          this.onSettle?.(event);
        } catch {
          // The listener's failure is its own.
        }
      },
    );
  }

  /**
   * Runs `task` in the background until it succeeds, retrying (100 ms, doubling to 2 s) for up to
   * `commitRetryMs`; `done` gets the last error when it gave up. `flush()` waits for it.
   */
  private retry(task: () => Promise<void>, done: (err?: unknown) => void = () => {}): void {
    const run = async () => {
      const giveUpAt = Date.now() + this.commitRetryMs;
      let delay = 100;
      for (;;) {
        try {
          await task();
          return done();
        } catch (err) {
          if (err instanceof BudgetAmountError || Date.now() + delay > giveUpAt) return done(err);
          await sleep(delay);
          delay = Math.min(delay * 2, 2_000);
        }
      }
    };
    const sent = run();
    this.sending.add(sent);
    void sent.finally(() => this.sending.delete(sent));
  }

  private reservation(
    ctx: GateContext,
    id: string,
    lines: BudgetLine[],
    reserved: Decimal,
    estimate: boolean,
  ): Reservation {
    return {
      // Off the call's critical path: the result does not wait for the commit, which is retried on failure and
      // awaited by flush(). If the process dies first, the hold expires by its TTL and nothing is charged.
      commit: (info: SettleInfo) => {
        let charge = reserved;
        let invalidReport: string | undefined;
        if (estimate && info.reported.cost !== undefined) {
          try {
            charge = parseAmount(info.reported.cost, 'reported cost');
            this.store.assertAmount?.(charge.toFixed(), 'reported cost');
          } catch (err) {
            // A reported cost the gate or store cannot use: charge the estimate rather than nothing.
            invalidReport = (err as Error).message;
            charge = reserved;
          }
        }
        const event: BudgetSettleEvent = {
          callId: ctx.callId,
          tool: ctx.tool,
          reserved: reserved.toFixed(),
          charged: charge.toFixed(),
          overEstimate: charge.greaterThan(reserved),
          ledgers: [],
        };
        if (invalidReport) event.invalidReport = invalidReport;
        // Flagged on the result, never silent; the spend itself is committed.
        if (invalidReport) info.warn(`${invalidReport} The estimate ${event.charged} was charged instead.`);
        if (event.overEstimate) {
          info.warn(`The actual cost ${event.charged} is above the estimate ${event.reserved}; it was charged.`);
        }
        const commitLines = lines.map((l) => ({ key: l.key, windowMs: l.windowMs, amount: event.charged }));
        this.send(id, commitLines, ctx.clock.now(), event);
      },
      release: () =>
        this.store.release(
          id,
          lines.map((l) => l.key),
          ctx.clock.now(),
        ),
    };
  }
}

/** Waits a retry's delay without keeping the process alive. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function invalid(err: BudgetAmountError): GateVerdict {
  return {
    outcome: 'block',
    reason: BudgetReason.invalidAmount,
    message: `${err.message} Call again with a valid amount.`,
  };
}

function checkCost(cost: BudgetCost, store: BudgetStore): BudgetCost {
  const value = typeof cost === 'object' && cost !== null ? cost.estimate : cost;
  if (typeof value === 'function') return cost;
  try {
    const amount = parseAmount(value, 'cost');
    store.assertAmount?.(amount.toFixed(), 'cost');
  } catch (err) {
    throw new TypeError(`Invalid budget cost: ${errorText(err)}`, { cause: err });
  }
  return cost;
}

function costOf(cost: BudgetCost, ctx: GateContext): unknown {
  const value = typeof cost === 'object' ? cost.estimate : cost;
  return typeof value === 'function' ? (value as CostFunction)(ctx.args, ctx) : value;
}

function compileBudgets(specs: readonly BudgetSpec[], store: BudgetStore): CompiledBudget[] {
  if (!Array.isArray(specs) || specs.length === 0) throw new TypeError('A budget gate needs at least one budget');
  const names = new Set<string>();
  return specs.map((spec) => {
    const { windowMs } = spec;
    if (windowMs !== undefined && (!Number.isSafeInteger(windowMs) || windowMs <= 0)) {
      throw new TypeError(`windowMs must be a positive integer (ms), got ${windowMs}`);
    }
    const name = spec.name ?? (windowMs === undefined ? 'lifetime' : `${windowMs}ms`);
    if (names.has(name)) throw new TypeError(`Two budgets are named "${name}"; give each a distinct name`);
    names.add(name);
    let max: Decimal;
    try {
      max = parseAmount(spec.max, `max of budget "${name}"`);
      store.assertAmount?.(max.toFixed(), `max of budget "${name}"`);
    } catch (err) {
      throw new TypeError(errorText(err), { cause: err });
    }
    const decimals = writtenDecimals(spec.max);
    return {
      name,
      max,
      maxText: max.toFixed(),
      maxShown: formatAmount(max, decimals),
      decimals,
      windowMs,
      key: spec.key ?? (() => '*'),
      label: spec.label ?? `Budget "${name}"`,
    };
  });
}

function keyOf(budget: CompiledBudget, ctx: GateContext): string {
  const key = budget.key(ctx);
  if (typeof key !== 'string' || key === '') {
    throw new TypeError(`The key function of budget "${budget.name}" returned ${String(key)}, not a non-empty string`);
  }
  return key;
}

/** The decision's data and, for a block, its model message. */
function describe(budgets: readonly CompiledBudget[], outcome: ReserveOutcome, requested: Decimal, estimate: boolean) {
  const requestedDecimals = requested.decimalPlaces();
  const rows = budgets.map((b, i) => {
    const usage = outcome.lines[i]!;
    const spent = money(usage.spent);
    const held = money(usage.held);
    let remaining = b.max.minus(spent);
    if (!held.isZero()) remaining = remaining.minus(held);
    if (outcome.ok) remaining = remaining.minus(requested);
    if (remaining.isNegative()) remaining = ZERO;
    const dp = Math.max(b.decimals, requestedDecimals);
    const row: Record<string, unknown> = {
      budget: b.name,
      key: usage.key,
      spent: formatAmount(spent, dp),
      held: formatAmount(held, dp),
      requested: formatAmount(requested, dp),
      remaining: formatAmount(remaining, dp),
      max: dp === b.decimals ? b.maxShown : formatAmount(b.max, dp),
      window: b.windowMs ?? 'lifetime',
    };
    if (estimate) row.estimate = true;
    if (b.windowMs !== undefined && usage.windowStart !== undefined) {
      row.windowStart = usage.windowStart;
      row.resetsAt = usage.windowStart + b.windowMs;
    }
    return { row, remaining };
  });
  const index = outcome.ok
    ? rows.reduce((best, r, i) => (r.remaining.lessThan(rows[best]!.remaining) ? i : best), 0)
    : outcome.blocked!;
  const main = rows[index]!.row;
  const data: Record<string, unknown> = { ...main };
  if (rows.length > 1) data.budgets = rows.map((r) => r.row);
  const budget = budgets[index]!;
  let message = `${budget.label} exceeded: requested ${main.requested}, remaining ${main.remaining} of ${main.max}.`;
  let retryAfterMs: number | undefined;
  if (typeof main.resetsAt === 'number') {
    retryAfterMs = Math.max(0, main.resetsAt - outcome.now);
    message += ` It resets in ${duration(retryAfterMs)}; do not retry this amount before then.`;
  } else {
    message += ' This budget does not reset; ask the user before trying again.';
  }
  return { message, extra: retryAfterMs === undefined ? { data } : { data, retryAfterMs } };
}

const ZERO = new Money(0);

/** A store's decimal string as a Decimal; `'0'`, the usual `held`, without parsing. */
function money(text: string): Decimal {
  return text === '0' ? ZERO : new Money(text);
}

function duration(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.ceil(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
}
