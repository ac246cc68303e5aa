import { createHmac } from 'node:crypto';
import { canonicalJson, type Json } from '@tollgate/core';

/**
 * Key phrases whose values are always redacted. A key is split into words (at `_`, `-`, `.`, spaces, digits and
 * camelCase humps, lower-cased), and it is secret when a run of its adjacent words, read as one word, is one of
 * these phrases or its plural: `db_password`, `X-Api-Key`, `APIKey`, `apikey`, `api_keys`, `githubToken`,
 * `private_key_pem` and `passengerPIN` match, while `passenger`, `pinned`, `spine` and `compass` (no such word)
 * and `max_tokens` (see {@link SINGULAR_ONLY_KEYS}) do not. Phrases are written in any case style.
 */
export const DEFAULT_SECRET_KEYS: readonly string[] = [
  'password',
  'passwd',
  'passphrase',
  'pass',
  'pwd',
  'secret',
  'token',
  'api_key',
  'access_key',
  'private_key',
  'signing_key',
  'encryption_key',
  'access_token',
  'refresh_token',
  'id_token',
  'auth_token',
  'session_token',
  'bearer',
  'authorization',
  'auth',
  'credential',
  'cookie',
  'jwt',
  'otp',
  'pin',
  'card_number',
  'credit_card',
  'cvv',
  'cvc',
  'security_code',
  'ssn',
];

/**
 * Phrases matched in the singular only: their plurals name counts, not secrets (`max_tokens`, `prompt_tokens`,
 * `passes`). `access_tokens` still matches, through `access_token`.
 */
export const SINGULAR_ONLY_KEYS: readonly string[] = ['token', 'pass'];

/**
 * Value patterns redacted inside every string (args, results, error messages, gate messages, object keys). When a
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
  // Google API keys
  /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g,
  // Slack tokens
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g,
  // JSON Web Tokens: base64url header and payload, both JSON objects (`eyJ` is `{"`), then the signature
  /\beyJ[A-Za-z0-9_-]{2,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g,
  // PEM private keys, whole blocks
  /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]{0,40}PRIVATE KEY-----/g,
  // HTTP bearer credentials (the scheme is case-insensitive)
  /\b[Bb][Ee][Aa][Rr][Ee][Rr]\s+(?<secret>[A-Za-z0-9._~+/-]+=*)/g,
  // HTTP basic credentials: base64 with a digit, `+`, `/` or a camel hump, so "Basic information" stays readable
  /\b[Bb][Aa][Ss][Ii][Cc]\s+(?<secret>(?=[A-Za-z0-9+/]*(?:[0-9+/]|[a-z][A-Z]))[A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])/g,
  // Credentials inside URLs: scheme://user:password@host
  /:\/\/[^\s:/@]+:(?<secret>[^\s@/]+)@/g,
  // password=…, token: …, "pin": "…" in free text, query strings, headers and JSON held in a string
  /(?<![A-Za-z0-9])(?:password|passwd|passphrase|pass|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|pin|otp|cvv|cvc)(?:[_-][A-Za-z0-9]+)*["']?\s*[=:]\s*["']?(?<secret>[^\s&;,"']+)/gi,
];

/**
 * Card numbers: 13–19 digits, optionally grouped by single spaces, dashes or dots. A match is redacted only when
 * it passes the Luhn check (so most ids and timestamps of that length are left alone), and a dotted one only
 * when grouped as cards are (4-4-4-4, 4-4-4-4-3, 4-6-5, 4-6-4), so decimals stay readable.
 */
const CARD_PATTERN = /\b\d(?:[ .-]?\d){12,18}\b/g;
const DOTTED_CARD = /^\d{4}\.\d{4}\.\d{4}\.\d{4}(?:\.\d{3})?$|^\d{4}\.\d{6}\.\d{4,5}$/;

/**
 * A cheap superset of the default patterns and card numbers: every string one of them can match contains one
 * of these fragments (case-insensitively), so a string without any cannot hold a default secret and skips the
 * replacements. Keep it in step with {@link DEFAULT_SECRET_PATTERNS}.
 */
const DEFAULT_PRECHECK =
  /sk-|[spr]k_|gh[pousr]_|akia|aiza|xox|eyj|-----begin|bearer|basic|:\/\/|pass|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|pin|otp|cvv|cvc/i;
const CARD_PRECHECK = /\d(?:[ .-]?\d){12}/;

/** Keys remembered per redactor: enough for a program's argument names, bounded against key floods. */
const KEY_CACHE_SIZE = 1024;
/**
 * Short strings remembered as holding no secret (decision data repeats the same names, keys and amounts on
 * every call): a lookup is cheaper than the patterns. Only strings the patterns left unchanged are kept.
 */
const CLEAN_CACHE_SIZE = 4096;
const CLEAN_CACHE_MAX_CHARS = 96;

/** What a redactor makes of an object key. */
export interface RedactedKey {
  /** True when the key's value is a secret and is masked whole. */
  secret: boolean;
  /** The key as written: well-formed, and pattern-redacted (a secret used as a key is masked like any other). */
  name: string;
}

/** The mask written in place of a secret in `mask` mode. */
export const REDACTED = '[REDACTED]';

/** Options for {@link Redactor}. */
export interface RedactorOptions {
  /** Key phrases to redact (word match on the key, see {@link DEFAULT_SECRET_KEYS}); replaces the defaults. */
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
 * Removes secrets from values before they are written or hashed: by key name (word match, any case style) and
 * by value pattern (API keys, bearer and basic credentials, JWTs, private keys, `password=…`, card numbers), in
 * objects, arrays, object keys and plain strings alike, which also covers error messages and result strings.
 * Inputs are never mutated.
 */
export class Redactor {
  /** Every phrase and its allowed plurals, as one lower-case word (`apikey`, `apikeys`). */
  private readonly keyForms: ReadonlySet<string>;
  /** Most words a phrase spans, so a key's runs of words are only read that far. */
  private readonly maxPhraseWords: number;
  private readonly patterns: readonly RegExp[];
  private readonly cards: boolean;
  private readonly hmacKey: string | Buffer | undefined;
  /** Strings that fail this test cannot match any pattern; `undefined` when the patterns are the caller's own. */
  private readonly precheck: RegExp | undefined;
  private readonly keyCache = new Map<string, RedactedKey>();
  private readonly clean = new Set<string>();

  /** @throws TypeError for hmac mode with an empty key */
  constructor(options: RedactorOptions = {}) {
    const forms = new Set<string>();
    let maxWords = 1;
    for (const phrase of options.keys ?? DEFAULT_SECRET_KEYS) {
      const words = keyWords(phrase);
      if (words.length === 0) continue;
      maxWords = Math.max(maxWords, words.length);
      const one = words.join('');
      forms.add(one);
      if (SINGULAR_ONLY_KEYS.includes(one)) continue;
      forms.add(`${one}s`);
      if (/(?:s|x|z|ch|sh)$/.test(one)) forms.add(`${one}es`);
    }
    this.keyForms = forms;
    // A phrase may be spelled in more words than it was given in (`pass_word`): read a little further.
    this.maxPhraseWords = maxWords + 1;
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
    return this.redactKey(key).secret;
  }

  /** Whether a key's value is secret, and the key as it may be written (remembered per key name). */
  redactKey(key: string): RedactedKey {
    let info = this.keyCache.get(key);
    if (info === undefined) {
      info = { secret: this.matchesPhrase(keyWords(key)), name: this.redactString(wellFormed(key)) };
      if (this.keyCache.size >= KEY_CACHE_SIZE) this.keyCache.clear();
      this.keyCache.set(key, info);
    }
    return info;
  }

  /** A string with every secret pattern replaced. */
  redactString(text: string): string {
    const short = text.length <= CLEAN_CACHE_MAX_CHARS;
    if (short && this.clean.has(text)) return text;
    const out = this.replaceSecrets(text);
    if (short && out === text) {
      if (this.clean.size >= CLEAN_CACHE_SIZE) this.clean.clear();
      this.clean.add(text);
    }
    return out;
  }

  private replaceSecrets(text: string): string {
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
    if (this.cards && out.length >= 13) out = out.replace(CARD_PATTERN, (match) => this.maskCard(match));
    return out;
  }

  /** A redacted deep copy of a JSON value: secret keys' values replaced whole, strings and keys pattern-redacted. */
  redact(value: Json): Json {
    if (typeof value === 'string') return this.redactString(value);
    if (typeof value === 'number') return this.redactNumber(value);
    if (value === null || typeof value === 'boolean') return value;
    if (Array.isArray(value)) return value.map((v) => this.redact(v));
    const out: Record<string, Json> = {};
    const taken = new Set<string>();
    // Sorted first, so keys that redact alike are numbered by their content, not by insertion order.
    for (const k of Object.keys(value).sort()) {
      const v = value[k] as Json;
      const key = this.redactKey(k);
      const name = uniqueKey(taken, key.name);
      taken.add(name);
      setOwn(out, name, key.secret ? this.mask(v) : this.redact(v));
    }
    return out;
  }

  /** A number, or the mask when it is a Luhn-valid card number of 13 or more digits. */
  redactNumber(value: number): Json {
    return this.cards && Number.isSafeInteger(value) && value >= 1e12 && luhn(String(value))
      ? this.mask(String(value))
      : value;
  }

  /** What is written in place of a secret: {@link REDACTED}, or in hmac mode `hmac:<hex>` of its text (canonical JSON for non-strings). */
  mask(secret: Json): string {
    if (this.hmacKey === undefined) return REDACTED;
    const text = typeof secret === 'string' ? secret : canonicalJson(secret);
    return `hmac:${createHmac('sha256', this.hmacKey).update(text).digest('hex')}`;
  }

  /** True when the value under `secret` needs its text (hmac mode); in mask mode it is replaced unseen. */
  get hashesSecrets(): boolean {
    return this.hmacKey !== undefined;
  }

  private maskCard(match: string): string {
    if (match.includes('.') && !DOTTED_CARD.test(match)) return match;
    return luhn(match.replace(/[ .-]/g, '')) ? this.mask(match) : match;
  }

  /** True when a run of adjacent words, read as one word, is a phrase or its plural. */
  private matchesPhrase(words: readonly string[]): boolean {
    for (let i = 0; i < words.length; i++) {
      let run = '';
      for (let j = i; j < words.length && j < i + this.maxPhraseWords; j++) {
        run += words[j];
        if (this.keyForms.has(run)) return true;
      }
    }
    return false;
  }
}

/**
 * A key's words, lower-cased: split at anything but ASCII letters and digits, between letters and digits, and at
 * camelCase humps (`APIKey` is `api`, `key`; `cvv2` is `cvv`, `2`).
 */
export function keyWords(key: string): string[] {
  const words = key.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g);
  return words ? words.map((w) => w.toLowerCase()) : [];
}

/**
 * `name`, or `name (2)`, `name (3)`… when `taken` has it: two secret keys masked alike both stay. Callers
 * number an object's keys in the order of its original keys, sorted (UTF-16).
 */
export function uniqueKey(taken: ReadonlySet<string>, name: string): string {
  if (!taken.has(name)) return name;
  let n = 2;
  while (taken.has(`${name} (${n})`)) n++;
  return `${name} (${n})`;
}

/** Sets an own, enumerable property, `__proto__` included (plain assignment would set the prototype instead). */
export function setOwn(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

function globalCopy(pattern: RegExp): RegExp {
  return new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
}

/** ES2024 string methods (Node 20 has them; the project's TypeScript lib is ES2023). */
type Es2024String = string & { isWellFormed(): boolean; toWellFormed(): string };

/** RFC 8785 rejects lone surrogates; replace them (U+FFFD) instead of failing the record. */
export function wellFormed(text: string): string {
  const s = text as Es2024String;
  return s.isWellFormed() ? text : s.toWellFormed();
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
