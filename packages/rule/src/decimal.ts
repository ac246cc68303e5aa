/** A plain decimal string: optional sign, digits, optional fraction, optional exponent (`12.50`, `-3`, `1e6`). */
export const DECIMAL_PATTERN = '^[+-]?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d{1,6})?$';
const DECIMAL = new RegExp(DECIMAL_PATTERN);
// The shortest round-trip form of a JS number (`String(n)`), which may be `1e+21` or `1.5e-7`.
const NUMBER_TEXT = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/;

/** value = sign × digits × 10^exp, digits without leading or trailing zeros ('' for zero). */
interface Decimal {
  sign: -1 | 0 | 1;
  digits: string;
  exp: number;
}

function toDecimal(value: unknown): Decimal | undefined {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    text = String(value);
  } else if (typeof value === 'string' && DECIMAL.test(value)) {
    text = value.replace(/^\+/, '').replace('E', 'e');
  } else {
    return undefined;
  }
  const m = NUMBER_TEXT.exec(text.replace(/e(\d)/, 'e+$1'));
  if (!m) return undefined;
  const fraction = m[3] ?? '';
  const all = `${m[2]}${fraction}`.replace(/^0+/, '');
  const digits = all.replace(/0+$/, '');
  if (digits === '') return { sign: 0, digits: '', exp: 0 };
  const exp = Number(m[4] ?? 0) - fraction.length + (all.length - digits.length);
  return { sign: m[1] === '-' ? -1 : 1, digits, exp };
}

/**
 * Compares two numeric values exactly, in decimal, never through floating point: each side is a finite
 * number (taken as its shortest decimal form, what `JSON.stringify` prints, so `0.1` equals `"0.1"`) or a
 * plain decimal string ({@link DECIMAL_PATTERN}). Money in decimal strings compares to the cent.
 * @returns -1, 0 or 1; `undefined` when either side is not numeric (callers treat that as "condition false")
 */
export function compareDecimal(a: unknown, b: unknown): -1 | 0 | 1 | undefined {
  const x = toDecimal(a);
  const y = toDecimal(b);
  if (!x || !y) return undefined;
  if (x.sign !== y.sign) return x.sign < y.sign ? -1 : 1;
  if (x.sign === 0) return 0;
  // Magnitudes: first the position of the leading digit, then the digits themselves.
  const leadX = x.digits.length + x.exp;
  const leadY = y.digits.length + y.exp;
  let magnitude: -1 | 0 | 1;
  if (leadX !== leadY) magnitude = leadX < leadY ? -1 : 1;
  else {
    const width = Math.max(x.digits.length, y.digits.length);
    const dx = x.digits.padEnd(width, '0');
    const dy = y.digits.padEnd(width, '0');
    magnitude = dx === dy ? 0 : dx < dy ? -1 : 1;
  }
  if (magnitude === 0) return 0;
  return x.sign === 1 ? magnitude : magnitude === 1 ? -1 : 1;
}
