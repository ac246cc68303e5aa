import { createHmac } from 'node:crypto';
import { canonicalJson, type Json } from '@tollgate/core';

/**
 * Key names whose values are always redacted. A key matches when its normalized form (lower case, with
 * `-`, `_`, `.` and spaces removed) ends with one of these, so `db_password`, `X-Api-Key` and
 * `githubToken` match while `max_tokens` does not.
 */
export const DEFAULT_SECRET_KEYS: readonly string[] = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'accesskey',
  'privatekey',
  'authorization',
  'cookie',
  'cardnumber',
  'creditcard',
  'cvv',
  'cvc',
  'ssn',
];

/**
 * Value patterns redacted inside every string (args, results, error messages, gate messages). When a
 * pattern has a named group `secret`, only that group is replaced (`password=[REDACTED]` keeps its label).
 */
export const DEFAULT_SECRET_PATTERNS: readonly RegExp[] = [
  // OpenAI-style keys: sk-…, sk-proj-…
  /\bsk-[A-Za-z0-9_-]{16,}/g,
  // Stripe keys
  /\b[spr]k_(?:live|test)_[A-Za-z0-9]{10,}/g,
  // GitHub tokens
  /\bgh[pousr]_[A-Za-z0-9]{30,}/g,
  // AWS access key ids
  /\bAKIA[0-9A-Z]{16}\b/g,
  // Slack tokens
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g,
  // HTTP bearer credentials
  /\bBearer\s+(?<secret>[A-Za-z0-9._~+/-]+=*)/g,
  // Credentials inside URLs: scheme://user:password@host
  /:\/\/[^\s:/@]+:(?<secret>[^\s@/]+)@/g,
  // password=…, token: …, api_key=… in free text, query strings and headers
  /\b(?:password|passwd|pwd|secret|token|api[_-]?key)\s*[=:]\s*(?<secret>[^\s&;,"']+)/gi,
];

/**
 * Card numbers: 13–19 digits, optionally grouped by single spaces or dashes. A match is redacted only when
 * it passes the Luhn check, so most ids and timestamps of that length are left alone.
 */
const CARD_PATTERN = /\b\d(?:[ -]?\d){12,18}\b/g;

/**
 * A cheap superset of the default patterns and card numbers: every string one of them can match contains one
 * of these fragments (case-insensitively), so a string without any cannot hold a default secret and skips the
 * nine replacements. Keep it in step with {@link DEFAULT_SECRET_PATTERNS}.
 */
const DEFAULT_PRECHECK = /sk-|[spr]k_|gh[pousr]_|akia|xox|bearer|:\/\/|passw|pwd|secret|token|api[_-]?key/i;
const CARD_PRECHECK = /\d(?:[ -]?\d){12}/;

/** Keys remembered per redactor: enough for a program's argument names, bounded against key floods. */
const KEY_CACHE_SIZE = 1024;

/** The mask written in place of a secret in `mask` mode. */
export const REDACTED = '[REDACTED]';

/** Options for {@link Redactor}. */
export interface RedactorOptions {
  /** Key names to redact (suffix match on the normalized key, see {@link DEFAULT_SECRET_KEYS}); replaces the defaults. */
  keys?: readonly string[];
  /** Patterns to redact in strings; replaces {@link DEFAULT_SECRET_PATTERNS}. Card numbers are always checked. */
  patterns?: readonly RegExp[];
  /** Detect Luhn-valid card numbers in strings and integers (default true). */
  cardNumbers?: boolean;
  /**
   * `'mask'` (default) writes {@link REDACTED}; `{ hmacKey }` writes `hmac:<hex>`, the HMAC-SHA256 of the
   * secret under that key, so equal secrets stay correlatable without being stored.
   */
  mode?: 'mask' | { hmacKey: string | Buffer };
}

/**
 * Removes secrets from values before they are written or hashed: by key name (case-insensitive) and by
 * value pattern (API keys, bearer tokens, `password=…`, card numbers), in objects, arrays and plain strings
 * alike, which also covers error messages and result strings. Inputs are never mutated.
 */
export class Redactor {
  private readonly keys: readonly string[];
  private readonly patterns: readonly RegExp[];
  private readonly cards: boolean;
  private readonly hmacKey: string | Buffer | undefined;
  /** Strings that fail this test cannot match any pattern; `undefined` when the patterns are the caller's own. */
  private readonly precheck: RegExp | undefined;
  private readonly keyCache = new Map<string, boolean>();

  /** @throws TypeError for hmac mode with an empty key */
  constructor(options: RedactorOptions = {}) {
    this.keys = (options.keys ?? DEFAULT_SECRET_KEYS).map(normalizeKey);
    this.patterns = (options.patterns ?? DEFAULT_SECRET_PATTERNS).map(globalCopy);
    this.cards = options.cardNumbers ?? true;
    // Only the default patterns have a known superset; the caller's own are run on every string.
    this.precheck =
      options.patterns === undefined
        ? this.cards
          ? new RegExp(`${DEFAULT_PRECHECK.source}|${CARD_PRECHECK.source}`, 'i')
          : DEFAULT_PRECHECK
        : undefined;
    const mode = options.mode ?? 'mask';
    this.hmacKey = mode === 'mask' ? undefined : mode.hmacKey;
    if (mode !== 'mask' && (!this.hmacKey || this.hmacKey.length === 0)) {
      throw new TypeError('Redactor: hmac mode needs a non-empty hmacKey');
    }
  }

  /** True when values under this key name are secrets. */
  isSecretKey(key: string): boolean {
    let secret = this.keyCache.get(key);
    if (secret === undefined) {
      const k = normalizeKey(key);
      secret = k !== '' && this.keys.some((s) => k.endsWith(s));
      if (this.keyCache.size >= KEY_CACHE_SIZE) this.keyCache.clear();
      this.keyCache.set(key, secret);
    }
    return secret;
  }

  /** A string with every secret pattern replaced. */
  redactString(text: string): string {
    if (this.precheck !== undefined && !this.precheck.test(text)) return text;
    let out = text;
    for (const pattern of this.patterns) {
      out = out.replace(pattern, (...m) => {
        const groups = m.at(-1) as Record<string, string | undefined> | undefined;
        const match = m[0] as string;
        const secret = typeof groups === 'object' && groups ? groups.secret : undefined;
        if (secret === undefined) return this.mask(match);
        const at = match.lastIndexOf(secret);
        return match.slice(0, at) + this.mask(secret) + match.slice(at + secret.length);
      });
    }
    // A card number has at least 13 digits.
    if (this.cards && out.length >= 13) {
      out = out.replace(CARD_PATTERN, (match) => (luhn(match.replace(/[ -]/g, '')) ? this.mask(match) : match));
    }
    return out;
  }

  /** A redacted deep copy of a JSON value: secret keys' values replaced whole, strings pattern-redacted. */
  redact(value: Json): Json {
    if (typeof value === 'string') return this.redactString(value);
    if (typeof value === 'number') {
      return this.cards && Number.isSafeInteger(value) && value >= 1e12 && luhn(String(value))
        ? this.mask(String(value))
        : value;
    }
    if (value === null || typeof value === 'boolean') return value;
    if (Array.isArray(value)) return value.map((v) => this.redact(v));
    const out: Record<string, Json> = {};
    for (const k of Object.keys(value)) {
      const v = value[k] as Json;
      out[k] = this.isSecretKey(k) ? this.mask(v) : this.redact(v);
    }
    return out;
  }

  /** What is written in place of a secret: {@link REDACTED}, or in hmac mode `hmac:<hex>` of its text (canonical JSON for non-strings). */
  mask(secret: Json): string {
    if (this.hmacKey === undefined) return REDACTED;
    const text = typeof secret === 'string' ? secret : canonicalJson(secret);
    return `hmac:${createHmac('sha256', this.hmacKey).update(text).digest('hex')}`;
  }
}

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_.\s]/g, '');
}

function globalCopy(pattern: RegExp): RegExp {
  return new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
}

/** The Luhn checksum card numbers carry (ISO/IEC 7812-1). */
function luhn(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
