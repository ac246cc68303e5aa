import type { Decimal } from 'decimal.js';
import { AmountCache, Money } from './amount.js';
import type { BudgetLine, BudgetStore, BudgetUsage, CommitLine, CommitUsage, ReserveOutcome } from './store.js';

/** Options for {@link MemoryBudgetStore}. */
export interface MemoryBudgetStoreOptions {
  /** How long a hold lives without a commit or release before it frees itself (ms, default 10 minutes). */
  reservationTtlMs?: number;
  /** How often, at most, idle ledgers past their window are evicted (ms of store time, default 60 s). */
  sweepIntervalMs?: number;
}

interface Hold {
  amount: Decimal;
  expiresAt: number;
}

interface Ledger {
  /** Current window start; -1 for a lifetime ledger. */
  windowStart: number;
  windowMs: number | undefined;
  spent: Decimal;
  held: Decimal;
  holds: Map<string, Hold>;
  /** `spent` and `held` as decimal strings, formatted when first asked for after a change. */
  text: { spent: string; held: string } | undefined;
}

const ZERO = new Money(0);

/** Most ledgers one call examines for eviction, so no call pays for a whole sweep of a large store. */
const SWEEP_SLICE = 1_000;

/**
 * Budgets in this process's memory, exact (decimal.js) and atomic because each method runs to completion
 * without awaiting. Ledgers whose window has ended and that hold nothing are evicted, so memory for idle
 * keys stays bounded; lifetime ledgers are kept, since they are the record of spend.
 */
export class MemoryBudgetStore implements BudgetStore {
  readonly kind = 'memory';
  private readonly ledgers = new Map<string, Ledger>();
  private readonly ttlMs: number;
  private readonly sweepIntervalMs: number;
  private nextSweepAt = Number.NEGATIVE_INFINITY;
  /** The sweep in progress, spread over calls; `undefined` between sweeps. */
  private sweeping: Iterator<[string, Ledger]> | undefined;
  private readonly amounts = new AmountCache();

  /** @throws {TypeError} for a `reservationTtlMs` that is not a positive integer, or a negative `sweepIntervalMs` */
  constructor(options: MemoryBudgetStoreOptions = {}) {
    this.ttlMs = options.reservationTtlMs ?? 600_000;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
    // A hold must outlive the call that took it: with a TTL of 0 (or NaN) it would expire at once.
    if (!Number.isSafeInteger(this.ttlMs) || this.ttlMs <= 0) {
      throw new TypeError(`reservationTtlMs must be a positive integer (ms), got ${this.ttlMs}`);
    }
    if (!(this.sweepIntervalMs >= 0)) {
      throw new TypeError(`sweepIntervalMs must be ≥ 0 (ms), got ${this.sweepIntervalMs}`);
    }
  }

  async reserve(id: string, lines: readonly BudgetLine[], now: number): Promise<ReserveOutcome> {
    const outcome = this.evaluate(lines, now);
    if (!outcome.ok) return outcome;
    for (const line of lines) {
      const ledger = this.ledger(line.key, line.windowMs, now);
      const amount = this.amounts.parse(line.amount);
      ledger.held = ledger.held.plus(amount);
      ledger.text = undefined;
      ledger.holds.set(id, { amount, expiresAt: now + this.ttlMs });
    }
    return outcome;
  }

  async peek(lines: readonly BudgetLine[], now: number): Promise<ReserveOutcome> {
    return this.evaluate(lines, now);
  }

  async commit(id: string, lines: readonly CommitLine[], now: number, retry = false): Promise<CommitUsage[]> {
    return lines.map((line) => {
      const ledger = this.ledger(line.key, line.windowMs, now);
      const hold = ledger.holds.get(id);
      if (hold) this.drop(ledger, id, hold);
      if (hold || !retry) ledger.spent = ledger.spent.plus(this.amounts.parse(line.amount));
      ledger.text = undefined;
      return { ...usage(line.key, ledger), late: !hold };
    });
  }

  async release(id: string, keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      const ledger = this.ledgers.get(key);
      const hold = ledger?.holds.get(id);
      if (ledger && hold) this.drop(ledger, id, hold);
    }
  }

  /** Number of ledgers held in memory. */
  get size(): number {
    return this.ledgers.size;
  }

  /**
   * Evicts, all at once, ledgers whose window ended before `now` and that hold nothing. The store also does
   * this by itself every `sweepIntervalMs`, spread over calls: each reserve or peek examines at most 1,000
   * ledgers until every ledger has been examined.
   */
  sweep(now: number): void {
    this.nextSweepAt = now + this.sweepIntervalMs;
    this.sweeping = undefined;
    this.sweepSome(this.ledgers.entries(), now, Number.POSITIVE_INFINITY);
  }

  /** Examines up to `limit` ledgers of `entries`; true when none are left. */
  private sweepSome(entries: Iterator<[string, Ledger]>, now: number, limit: number): boolean {
    for (let n = 0; n < limit; n++) {
      const next = entries.next();
      if (next.done) return true;
      const [key, ledger] = next.value;
      this.expireHolds(ledger, now);
      const ended = ledger.windowMs !== undefined && now >= ledger.windowStart + ledger.windowMs;
      if (ended && ledger.holds.size === 0) this.ledgers.delete(key);
    }
    return false;
  }

  /** One slice of the periodic sweep; a new sweep starts once the last one is done and the interval has passed. */
  private sweepSlice(now: number): void {
    if (this.sweeping === undefined) {
      if (now < this.nextSweepAt) return;
      this.nextSweepAt = now + this.sweepIntervalMs;
      // A Map's iterator survives deletions and sees ledgers added meanwhile, so a sweep may span calls.
      this.sweeping = this.ledgers.entries();
    }
    if (this.sweepSome(this.sweeping, now, SWEEP_SLICE)) this.sweeping = undefined;
  }

  private evaluate(lines: readonly BudgetLine[], now: number): ReserveOutcome {
    this.sweepSlice(now);
    let blocked: number | undefined;
    const out = lines.map((line, i) => {
      // A dry run for a key never charged creates nothing.
      const ledger = this.find(line.key, line.windowMs, now) ?? emptyLedger(line.windowMs, now);
      const free = this.amounts.parse(line.max).minus(ledger.spent).minus(ledger.held);
      if (blocked === undefined && this.amounts.parse(line.amount).greaterThan(free)) blocked = i;
      return usage(line.key, ledger);
    });
    return blocked === undefined ? { ok: true, now, lines: out } : { ok: false, blocked, now, lines: out };
  }

  /** The ledger for `key`, created if new. */
  private ledger(key: string, windowMs: number | undefined, now: number): Ledger {
    let ledger = this.find(key, windowMs, now);
    if (!ledger) {
      ledger = emptyLedger(windowMs, now);
      this.ledgers.set(key, ledger);
    }
    return ledger;
  }

  /** The existing ledger for `key`, rolled to the current window and with expired holds given back. */
  private find(key: string, windowMs: number | undefined, now: number): Ledger | undefined {
    const ledger = this.ledgers.get(key);
    if (!ledger) return undefined;
    const start = windowStart(windowMs, now);
    if (start > ledger.windowStart) {
      // Holds carry over: calls in flight still count against the window they will be charged to.
      ledger.windowStart = start;
      ledger.spent = ZERO;
      ledger.text = undefined;
    }
    this.expireHolds(ledger, now);
    return ledger;
  }

  private expireHolds(ledger: Ledger, now: number): void {
    // Holds share one TTL, so insertion order is expiry order: stop at the first live one.
    for (const [id, hold] of ledger.holds) {
      if (hold.expiresAt > now) return;
      this.drop(ledger, id, hold);
    }
  }

  private drop(ledger: Ledger, id: string, hold: Hold): void {
    ledger.holds.delete(id);
    ledger.held = ledger.held.minus(hold.amount);
    ledger.text = undefined;
  }
}

function windowStart(windowMs: number | undefined, now: number): number {
  return windowMs === undefined ? -1 : now - (now % windowMs);
}

function emptyLedger(windowMs: number | undefined, now: number): Ledger {
  return {
    windowStart: windowStart(windowMs, now),
    windowMs,
    spent: ZERO,
    held: ZERO,
    holds: new Map(),
    text: undefined,
  };
}

function usage(key: string, ledger: Ledger): BudgetUsage {
  ledger.text ??= { spent: ledger.spent.toFixed(), held: ledger.held.toFixed() };
  const u: BudgetUsage = { key, spent: ledger.text.spent, held: ledger.text.held };
  if (ledger.windowMs !== undefined) u.windowStart = ledger.windowStart;
  return u;
}
