import { Decimal } from 'decimal.js';

/**
 * The Decimal constructor budgets compute with: precision high enough that adding and subtracting
 * amounts never rounds (decimal.js rounds every result to `precision` significant digits, default 20).
 */
export const Money = Decimal.clone({ precision: 1_000, rounding: Decimal.ROUND_HALF_EVEN });

/** An amount the budget cannot use: not a decimal, negative, or not representable by the store. */
export class BudgetAmountError extends Error {
  override readonly name = 'BudgetAmountError';
}

// Plain decimal notation only: decimal.js alone would also take '0x1f', '1e3' or ' 5'.
const DECIMAL = /^-?(\d+(\.\d*)?|\.\d+)$/;

/**
 * Parses an amount: a decimal string (`'12.50'`) or a finite number, which is read through its shortest
 * string form (`String(0.1)` is `'0.1'`) so binary floating point never enters the arithmetic.
 * @throws {BudgetAmountError} for anything else, NaN, ±Infinity and negative amounts
 */
export function parseAmount(value: unknown, what = 'amount'): Decimal {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new BudgetAmountError(`The ${what} must be a finite number, got ${value}.`);
    text = String(value);
  } else if (typeof value === 'string' && DECIMAL.test(value)) {
    text = value;
  } else {
    const shown = typeof value === 'string' ? JSON.stringify(value) : typeof value;
    throw new BudgetAmountError(`The ${what} must be a decimal number such as "12.50", got ${shown}.`);
  }
  const amount = new Money(text);
  if (amount.isNegative() && !amount.isZero()) {
    throw new BudgetAmountError(`The ${what} must not be negative, got ${text}.`);
  }
  return amount.abs();
}

/** Digits after the point as written (`'100.00'` → 2), so answers keep the budget's own precision. */
export function writtenDecimals(value: string | number): number {
  const text = String(value);
  if (/e/i.test(text)) return new Money(text).decimalPlaces();
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** Formats with at least `minDecimals` digits after the point and never in exponent notation. */
export function formatAmount(amount: Decimal, minDecimals: number): string {
  return amount.toFixed(Math.max(minDecimals, amount.decimalPlaces()));
}

/**
 * {@link parseAmount} for decimal strings that recur (limits, usual costs), each parsed once: up to `size`
 * strings are kept, and the cache starts over when full so memory stays bounded. Decimals are immutable, so a
 * cached one is safe to share. Throws as {@link parseAmount} does; failures are not cached.
 */
export class AmountCache {
  private readonly parsed = new Map<string, Decimal>();

  /** @param size most strings kept (default 1024) */
  constructor(private readonly size = 1024) {}

  /** The amount `text` holds. @throws {BudgetAmountError} as {@link parseAmount} */
  parse(text: string): Decimal {
    let amount = this.parsed.get(text);
    if (amount === undefined) {
      amount = parseAmount(text);
      if (this.parsed.size >= this.size) this.parsed.clear();
      this.parsed.set(text, amount);
    }
    return amount;
  }
}
