/** One budget line of a reservation: which ledger key, its limit and window, and the amount. */
export interface BudgetLine {
  /** Ledger key, unique per gate, budget and key function value (e.g. `budget:daily:alice`). */
  key: string;
  /** The limit, a non-negative decimal string. */
  max: string;
  /** Window length in ms; `undefined` for a lifetime budget that never resets. */
  windowMs?: number;
  /** The amount to hold, a non-negative decimal string. */
  amount: string;
}

/** A ledger key's state as a store saw it, all amounts as decimal strings. */
export interface BudgetUsage {
  key: string;
  /** Committed spend in the current window (or lifetime). */
  spent: string;
  /** Amounts held by calls in flight, not counting the reservation being made. */
  held: string;
  /** Start of the current window (ms since the epoch); `undefined` for a lifetime budget. */
  windowStart?: number;
}

/** The answer to {@link BudgetStore.reserve} and {@link BudgetStore.peek}. */
export interface ReserveOutcome {
  /** True when every line fits: `spent + held + amount <= max` for each. */
  ok: boolean;
  /** Index of the first line that did not fit, when `ok` is false. */
  blocked?: number;
  /** The store's time for this answer (ms since the epoch): the caller's clock or the Redis server's. */
  now: number;
  /** One entry per line, in order. */
  lines: BudgetUsage[];
}

/** One line of a commit: the ledger key and the amount to charge. */
export interface CommitLine {
  key: string;
  windowMs?: number;
  /** The amount to charge, a non-negative decimal string (may differ from the amount held). */
  amount: string;
}

/** What a commit did to one ledger key. */
export interface CommitUsage extends BudgetUsage {
  /** True when the hold had already expired (its TTL passed) or was unknown: the amount was charged anyway. */
  late: boolean;
}

/**
 * Where budgets keep their ledgers. Every method takes all of a call's lines at once so a backend can
 * settle them in one atomic step (one Lua call on Redis). `reserve` must be atomic across concurrent
 * callers and processes: no interleaving may let the sum of holds and commits pass `max`.
 * Stores throw {@link BudgetAmountError} for amounts they cannot represent and any other error when they
 * are unavailable; the gate turns the first into `invalid_amount` and the rest into `store_unavailable`.
 */
export interface BudgetStore {
  /** Short name for decisions and logs (`memory`, `redis`). */
  readonly kind: string;
  /** Holds `amount` on every line under reservation `id` if all of them fit; holds nothing otherwise. */
  reserve(id: string, lines: readonly BudgetLine[], now: number): Promise<ReserveOutcome>;
  /** Answers as `reserve` would, holding nothing (dry runs). */
  peek(lines: readonly BudgetLine[], now: number): Promise<ReserveOutcome>;
  /**
   * Turns reservation `id` into spend, charging each line's `amount`; a line whose hold is gone (its TTL passed) is
   * charged anyway, except with `retry` (an earlier attempt may have applied): then a missing hold means it did.
   */
  commit(id: string, lines: readonly CommitLine[], now: number, retry?: boolean): Promise<CommitUsage[]>;
  /** Gives reservation `id` back on every key; unknown or expired holds are ignored. */
  release(id: string, keys: readonly string[], now: number): Promise<void>;
  /**
   * Throws {@link BudgetAmountError} for an amount (a non-negative decimal string) this store cannot hold, so a
   * gate refuses a budget's max or a fixed cost at construction rather than on every call. Absent: any amount.
   */
  assertAmount?(amount: string, what: string): void;
}
