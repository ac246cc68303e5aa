// What the audit keeps of one value: plain JSON, redacted, with object keys in RFC 8785 order, bounded in size.
// Building keys in canonical order lets a sink serialize a whole record with JSON.stringify (see chain.ts).
import type { Json } from '@tollgate/core';
import { REDACTED, type RedactedKey, type Redactor, setOwn, uniqueKey, wellFormed } from './redact.js';

/** A value too long for the record: the start of its redacted JSON text and the length of its full text. */
export interface TruncatedValue {
  /** Length of the value's JSON text before redaction, in UTF-16 code units. */
  chars: number;
  /** The start of the redacted JSON text, at most `maxValueChars` long, without a word the cut split. */
  preview: string;
  /** Always true: marks the value as cut. */
  truncated: true;
}

/** A bounded value, and whether JSON.stringify writes it in canonical (RFC 8785) form. */
export interface Bounded {
  value: Json | TruncatedValue;
  /** False when an object has array-index keys, which JavaScript enumerates first whatever their order. */
  ordered: boolean;
}

/** A string longer than this is never redacted whole: only its start, as far as the record can hold it. */
export const MAX_REDACTED_STRING = 65_536;
/** Characters redacted beyond where a cut string is cut, so a secret crossing the cut is still recognised. */
const CUT_MARGIN = 2_048;
const MAX_DEPTH = 32;
/** Keys of one object a preview names at a time. */
const PREVIEW_CHUNK = 64;

/**
 * Own keys of the large objects one value holds, listed once for all the walks over it: on an object of
 * thousands of keys (a dictionary in V8) `Object.keys` costs as much as serializing it.
 */
class KeyLists {
  private lists: Map<object, string[]> | undefined;

  of(obj: object): string[] {
    const known = this.lists?.get(obj);
    if (known) return known;
    const keys = Object.keys(obj);
    if (keys.length > 64) {
      this.lists ??= new Map();
      this.lists.set(obj, keys);
    }
    return keys;
  }
}

/** Thrown inside a walk once the value cannot fit: cheaper than an Error (no stack). */
const OVER: unique symbol = Symbol('over');

/** How much redaction one value may cost: 16 times what it may record, at least 64 KiB. */
function rawBudget(maxChars: number): number {
  return Math.max(MAX_REDACTED_STRING, 16 * maxChars);
}

/**
 * The value as the record keeps it: redacted plain JSON while its JSON text is at most `maxChars`, else a
 * {@link TruncatedValue}. Redaction runs before the cut, so a preview never holds a secret the whole value
 * would have masked, and never on more than {@link rawBudget} characters of strings, however large the input.
 */
export function bounded(value: unknown, redactor: Redactor, maxChars: number): Bounded {
  const keys = new KeyLists();
  // One walker serves every value of every record (a record holds several); a nested call gets its own.
  const walk = spareWalk ?? new CopyWalk();
  spareWalk = undefined;
  walk.reset(redactor, maxChars, keys);
  try {
    let copy: Json;
    try {
      copy = walk.value(value, 0);
    } catch (err) {
      if (err !== OVER) throw err;
      return truncated(value, redactor, maxChars, keys);
    }
    if (walk.upper > maxChars) {
      // Between the bounds: measure. Only values near the cap pay for this.
      const length = walk.ordered ? JSON.stringify(copy).length : jsonLength(copy, 0, [], new Map(), keys);
      if (length > maxChars) return truncated(value, redactor, maxChars, keys);
    }
    return { value: copy, ordered: walk.ordered };
  } finally {
    walk.ancestors.length = 0;
    spareWalk = walk;
  }
}

let spareWalk: CopyWalk | undefined;

/**
 * Free text (a message, an error message) as the record keeps it: redacted; past `maxChars`, cut without the
 * word the cut split, followed by `… [N chars]` (N the full length).
 */
export function boundedText(value: unknown, redactor: Redactor, maxChars: number): string {
  const text = String(value);
  if (text.length <= maxChars) return redactor.redactString(wellFormed(text));
  const window = redactor.redactString(wellFormed(text.slice(0, maxChars + CUT_MARGIN)));
  return `${window.length <= maxChars ? window : cutAtWord(window, maxChars)}… [${text.length} chars]`;
}

/** An identity field (tool, call id, actor, reason): well-formed, and past `maxChars` cut with its length. */
export function boundedId(value: unknown, maxChars: number): string {
  const text = String(value);
  if (text.length <= maxChars) return wellFormed(text);
  return `${wellFormed(text.slice(0, maxChars))}… [${text.length} chars]`;
}

function truncated(value: unknown, redactor: Redactor, maxChars: number, keys: KeyLists): Bounded {
  const preview = new PreviewWalk(redactor, maxChars, keys).run(value);
  return { value: { chars: jsonLength(value, 0, [], new Map(), keys), preview, truncated: true }, ordered: true };
}

/** `text` cut at `at`; when that splits a word (no whitespace on either side), the split word is dropped too. */
function cutAtWord(text: string, at: number): string {
  const cut = text.slice(0, at);
  if (isSpace(text.charCodeAt(at)) || isSpace(cut.charCodeAt(at - 1))) return wellFormed(cut);
  let i = cut.length - 1;
  while (i >= 0 && !isSpace(cut.charCodeAt(i))) i--;
  return cut.slice(0, i + 1);
}

function endsWithMask(text: string): boolean {
  return text.endsWith(REDACTED) || /hmac:[0-9a-f]{64}$/.test(text);
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/**
 * The JSON form of a value JSON cannot hold as it is, or `undefined` for a plain array or object: Dates,
 * Errors, binary data, Maps, Sets and objects with `toJSON` get one, so no record fails on them.
 */
function substitute(obj: object): unknown {
  if (Array.isArray(obj)) return undefined;
  const proto = Object.getPrototypeOf(obj);
  // A plain object (what JSON.parse and object literals make) needs none: checked first, being most values.
  if ((proto === Object.prototype || proto === null) && typeof (obj as { toJSON?: unknown }).toJSON !== 'function') {
    return undefined;
  }
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
  if (obj instanceof Error) return { message: String(obj.message), name: String(obj.name) };
  if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer) return `[binary ${obj.byteLength} bytes]`;
  if (obj instanceof Map) return Object.fromEntries(obj);
  if (obj instanceof Set) return [...obj];
  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    const json = toJSON.call(obj);
    return json === obj ? undefined : json;
  }
  return undefined;
}

/** A member JSON leaves out of an object (and writes as `null` in an array). */
function absent(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/** Array-index keys (`"0"`, `"17"`): JavaScript enumerates them first in numeric order, not in RFC 8785 order. */
function isIndexKey(key: string): boolean {
  const c = key.charCodeAt(0);
  return c >= 0x30 && c <= 0x39 && /^(?:0|[1-9]\d{0,9})$/.test(key) && Number(key) < 2 ** 32 - 1;
}

/**
 * Builds the redacted copy, counting a lower and an upper bound of its JSON length; throws {@link OVER} as soon
 * as the lower bound passes the cap or the redaction work passes its budget.
 */
class CopyWalk {
  /** At least this many characters of JSON text so far (exact when no string needs escapes). */
  lower = 0;
  /** At most this many (every string character escaped as `\uXXXX`, every number 24 characters). */
  upper = 0;
  ordered = true;
  /** The objects being walked, for cycles (emptied after each value). */
  readonly ancestors: object[] = [];
  private raw = 0;
  private rawBudget = 0;
  private redactor!: Redactor;
  private max = 0;
  private keyLists!: KeyLists;

  /** Prepares the walker for one value. */
  reset(redactor: Redactor, max: number, keyLists: KeyLists): void {
    this.redactor = redactor;
    this.max = max;
    this.keyLists = keyLists;
    this.rawBudget = rawBudget(max);
    this.lower = this.upper = this.raw = 0;
    this.ordered = true;
  }

  value(v: unknown, depth: number): Json {
    switch (typeof v) {
      case 'string':
        return this.string(v);
      case 'number': {
        if (!Number.isFinite(v)) return this.string(String(v));
        const out = this.redactor.redactNumber(v);
        if (typeof out === 'string') return this.counted(out);
        this.lower += 1;
        this.upper += 24;
        return out;
      }
      case 'boolean':
        this.add(v ? 4 : 5);
        return v;
      case 'bigint':
        return this.string(v.toString());
      case 'object':
        if (v === null) break;
        return this.container(v, depth);
    }
    this.add(4);
    return null;
  }

  private container(obj: object, depth: number): Json {
    if (depth >= MAX_DEPTH) return this.string('[MaxDepth]');
    if (this.ancestors.includes(obj)) return this.string('[Circular]');
    const sub = substitute(obj);
    if (sub !== undefined) return this.value(sub, depth);
    this.ancestors.push(obj);
    try {
      return Array.isArray(obj) ? this.array(obj, depth) : this.object(obj as Record<string, unknown>, depth);
    } finally {
      this.ancestors.pop();
    }
  }

  private array(arr: readonly unknown[], depth: number): Json[] {
    this.add(arr.length > 0 ? arr.length + 1 : 2);
    const out: Json[] = new Array(arr.length);
    for (let i = 0; i < arr.length; i++) {
      const v = arr[i];
      out[i] = absent(v) ? this.value(null, depth) : this.value(v, depth + 1);
    }
    return out;
  }

  /** Keys sorted in place (UTF-16 order, the engine's default sort), then copied in one pass. */
  private object(obj: Record<string, unknown>, depth: number): Record<string, Json> {
    const keys = this.keyLists.of(obj);
    // Each member takes at least four characters: more keys than that cannot fit, so do not sort them. (If most
    // of their values are absent, the value is marked truncated with a preview that holds all of it.)
    if (keys.length > this.max / 4) throw OVER;
    let order = keys;
    for (let i = 1; i < keys.length; i++) {
      if (keys[i]! < keys[i - 1]!) {
        // A list shared with the other walks is sorted as a copy.
        order = keys.length > 64 ? [...keys].sort() : keys.sort();
        break;
      }
    }
    this.lower += 1;
    this.upper += 2;
    const out: Record<string, Json> = {};
    for (let i = 0; i < order.length; i++) {
      const k = order[i]!;
      const v = obj[k];
      if (absent(v)) continue;
      const key = this.keyOf(k);
      // A redacted name sorts elsewhere and may collide: rare, so done apart.
      if (key.name !== k) return this.renamed(obj, order, i, out, depth);
      if (isIndexKey(k)) this.ordered = false;
      this.key(k);
      const copy = key.secret ? this.secret(v) : this.value(v, depth + 1);
      if (k === '__proto__') setOwn(out, k, copy);
      else out[k] = copy;
    }
    return out;
  }

  /** The rest of `object` once a key was renamed by redaction: numbered on collision, sorted by new name. */
  private renamed(
    obj: Record<string, unknown>,
    keys: string[],
    from: number,
    done: Record<string, Json>,
    depth: number,
  ): Record<string, Json> {
    const members: [string, Json][] = Object.keys(done).map((k) => [k, done[k] as Json]);
    const taken = new Set(Object.keys(done));
    for (let i = from; i < keys.length; i++) {
      const k = keys[i]!;
      const v = obj[k];
      if (absent(v)) continue;
      const key = this.keyOf(k);
      const name = uniqueKey(taken, key.name);
      taken.add(name);
      this.key(name);
      members.push([name, key.secret ? this.secret(v) : this.value(v, depth + 1)]);
    }
    members.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const out: Record<string, Json> = {};
    for (const [name, v] of members) {
      if (isIndexKey(name)) this.ordered = false;
      setOwn(out, name, v);
    }
    return out;
  }

  /** A secret key's value: masked whole, unseen in mask mode; in hmac mode its plain JSON is what is hashed. */
  private secret(v: unknown): string {
    return this.counted(this.redactor.hashesSecrets ? this.redactor.mask(plainJson(v, 0, [])) : REDACTED);
  }

  /** A key's name and secrecy; a key too long to redact whole cannot fit the record anyway. */
  private keyOf(k: string): RedactedKey {
    if (k.length > MAX_REDACTED_STRING || this.raw + k.length > this.rawBudget) throw OVER;
    this.raw += k.length;
    return this.redactor.redactKey(k);
  }

  private string(s: string): string {
    if (s.length > MAX_REDACTED_STRING || this.raw + s.length > this.rawBudget) throw OVER;
    this.raw += s.length;
    return this.counted(this.redactor.redactString(wellFormed(s)));
  }

  private counted(s: string): string {
    this.lower += s.length + 2;
    this.upper += 6 * s.length + 2;
    if (this.lower > this.max) throw OVER;
    return s;
  }

  /** A member's name: quotes, colon, and a comma (one more than an object has: the braces count one less). */
  private key(name: string): void {
    this.lower += name.length + 4;
    this.upper += 6 * name.length + 4;
    if (this.lower > this.max) throw OVER;
  }

  private add(n: number): void {
    this.lower += n;
    this.upper += n;
    if (this.lower > this.max) throw OVER;
  }
}

/**
 * Writes the start of a value's redacted JSON text (in the copy's key order), stopping at the cap. A string
 * longer than what is left is redacted over what is left plus {@link CUT_MARGIN}, then cut without the word
 * the cut split.
 */
class PreviewWalk {
  private readonly parts: string[] = [];
  private length = 0;
  private done = false;
  private raw = 0;
  private readonly rawBudget: number;
  private readonly ancestors: object[] = [];

  constructor(
    private readonly redactor: Redactor,
    private readonly max: number,
    private readonly keyLists: KeyLists,
  ) {
    this.rawBudget = rawBudget(max);
  }

  run(value: unknown): string {
    this.value(value, 0);
    return wellFormed(this.parts.join(''));
  }

  private value(v: unknown, depth: number): void {
    if (typeof v === 'object' && v !== null) this.container(v, depth);
    else if (typeof v === 'string') this.string(v);
    else if (typeof v === 'bigint' || (typeof v === 'number' && !Number.isFinite(v))) this.string(String(v));
    else if (typeof v === 'number') {
      const out = this.redactor.redactNumber(v);
      this.emit(typeof out === 'string' ? JSON.stringify(out) : String(out));
    } else this.emit(typeof v === 'boolean' ? String(v) : 'null');
  }

  private container(obj: object, depth: number): void {
    const sub = depth >= MAX_DEPTH ? '[MaxDepth]' : this.ancestors.includes(obj) ? '[Circular]' : substitute(obj);
    if (sub !== undefined) {
      this.value(sub, depth);
      return;
    }
    this.ancestors.push(obj);
    try {
      if (Array.isArray(obj)) {
        this.emit('[');
        for (let i = 0; i < obj.length && !this.done; i++) {
          if (i > 0) this.emit(',');
          this.value(absent(obj[i]) ? null : obj[i], depth + 1);
        }
        this.emit(']');
        return;
      }
      this.emit('{');
      // Keys in UTF-16 order, named and ordered in chunks, so a huge object costs what its preview shows.
      const keys = [...this.keyLists.of(obj)].sort();
      const taken = new Set<string>();
      let first = true;
      for (let from = 0; from < keys.length && !this.done; from += PREVIEW_CHUNK) {
        for (const [name, v, secret] of this.members(obj as Record<string, unknown>, keys, from, taken)) {
          if (this.done) break;
          this.emit(`${first ? '' : ','}${JSON.stringify(name)}:`);
          first = false;
          if (secret) this.emit(JSON.stringify(this.secret(v)));
          else this.value(v, depth + 1);
        }
      }
      this.emit('}');
    } finally {
      this.ancestors.pop();
    }
  }

  /**
   * Members for `keys[from…from + PREVIEW_CHUNK)` as the copy names them (redacted keys, numbered on
   * collision), sorted by name: the canonical order, unless redaction renamed a key of a later chunk.
   */
  private members(
    obj: Record<string, unknown>,
    keys: string[],
    from: number,
    taken: Set<string>,
  ): [string, unknown, boolean][] {
    const members: [string, unknown, boolean][] = [];
    for (let i = from; i < keys.length && i < from + PREVIEW_CHUNK; i++) {
      const k = keys[i]!;
      const v = obj[k];
      if (absent(v)) continue;
      this.raw += Math.min(k.length, MAX_REDACTED_STRING);
      const key =
        k.length <= MAX_REDACTED_STRING
          ? this.redactor.redactKey(k)
          : // Judged by its start, named by its redacted start: the key alone outgrows the record.
            { secret: this.redactor.isSecretKey(k.slice(0, 1_024)), name: boundedText(k, this.redactor, this.max) };
      const name = uniqueKey(taken, key.name);
      taken.add(name);
      members.push([name, v, key.secret]);
    }
    return members.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  }

  private secret(v: unknown): string {
    return this.redactor.hashesSecrets ? this.redactor.mask(plainJson(v, 0, [])) : REDACTED;
  }

  private string(s: string): void {
    if (this.done) return;
    const left = this.max - this.length;
    const cut = s.length > left + CUT_MARGIN;
    const window = cut ? s.slice(0, left + CUT_MARGIN) : s;
    this.raw += window.length;
    if (this.raw > this.rawBudget) {
      this.done = true;
      return;
    }
    const json = JSON.stringify(this.redactor.redactString(wellFormed(window)));
    if (!cut && json.length <= left) {
      this.emit(json);
      return;
    }
    // Cut inside the string: keep its opening quote, drop the word the cut split. A window that redaction
    // shrank below the cap ends where the window ends: drop its last word too, unless that word is a mask.
    const content = json.slice(1, cut && json.length <= left ? -1 : undefined);
    const at = Math.min(content.length, Math.max(0, left - 1));
    const kept = at === content.length && endsWithMask(content) ? content : cutAtWord(content, at);
    this.parts.push(`"${kept}`);
    this.done = true;
  }

  private emit(text: string): void {
    if (this.done) return;
    const left = this.max - this.length;
    if (text.length <= left) {
      this.parts.push(text);
      this.length += text.length;
      if (text.length === left) this.done = true;
      return;
    }
    this.parts.push(text.slice(0, left));
    this.done = true;
  }
}

/**
 * Length of the value's JSON text before redaction: what JSON.stringify writes for it, with the conversions of
 * {@link substitute} for what JSON.stringify cannot write as we do (a cycle, a BigInt, a Map).
 */
function jsonLength(v: unknown, depth: number, ancestors: object[], memo: Map<object, number>, keys: KeyLists): number {
  switch (typeof v) {
    case 'string':
      return v.length + 2 + escapeExtra(v);
    case 'number':
      return Number.isFinite(v) ? String(v).length : String(v).length + 2;
    case 'boolean':
      return v ? 4 : 5;
    case 'bigint':
      return v.toString().length + 2;
    case 'object':
      if (v !== null) break;
      return 4;
    default:
      return 4;
  }
  const obj = v as object;
  if (depth >= MAX_DEPTH) return 12;
  if (ancestors.includes(obj)) return 12;
  const known = memo.get(obj);
  if (known !== undefined) return known;
  const sub = substitute(obj);
  if (sub !== undefined) return jsonLength(sub, depth, ancestors, memo, keys);
  // A container of short primitives (most of a large value): JSON.stringify measures it natively.
  const flat = flatLength(obj, keys);
  if (flat !== undefined) return flat;
  ancestors.push(obj);
  let n = 2;
  if (Array.isArray(obj)) {
    for (let i = 0; i < obj.length; i++) {
      n += (i > 0 ? 1 : 0) + (absent(obj[i]) ? 4 : jsonLength(obj[i], depth + 1, ancestors, memo, keys));
    }
  } else {
    let first = true;
    for (const k of keys.of(obj)) {
      const x = (obj as Record<string, unknown>)[k];
      if (absent(x)) continue;
      n += (first ? 0 : 1) + k.length + 3 + escapeExtra(k) + jsonLength(x, depth + 1, ancestors, memo, keys);
      first = false;
    }
  }
  ancestors.pop();
  // Shared (non-cyclic) references are measured once: a value built of them cannot cost exponential time.
  memo.set(obj, n);
  return n;
}

/** JSON.stringify's length for a plain array or object whose members are all strings up to 4 KiB, finite numbers, booleans or null; else undefined. */
function flatLength(obj: object, keys: KeyLists): number | undefined {
  const flat = (x: unknown) =>
    (typeof x === 'string' && x.length <= 4096) ||
    (typeof x === 'number' && Number.isFinite(x)) ||
    typeof x === 'boolean' ||
    x === null;
  if (Array.isArray(obj)) {
    if (obj.length < 8) return undefined;
    for (let i = 0; i < obj.length; i++) if (!flat(obj[i])) return undefined;
  } else {
    const names = keys.of(obj);
    if (names.length < 8 || Object.getPrototypeOf(obj) !== Object.prototype) return undefined;
    for (const k of names) if (k.length > 4096 || !flat((obj as Record<string, unknown>)[k])) return undefined;
  }
  return JSON.stringify(obj).length;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters JSON escapes.
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

/**
 * Characters JSON.stringify adds to escape a string: one for `"`, `\` and the short escapes, five for the
 * other control characters and for each lone surrogate (`\uXXXX`).
 */
function escapeExtra(s: string): number {
  // A regex scans a long string fastest; on a short one its call costs more than the loop.
  if (s.length > 256 && !NEEDS_ESCAPE.test(s) && (s as Es2024String).isWellFormed()) return 0;
  let extra = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20) extra += c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d ? 1 : 5;
    else if (c === 0x22 || c === 0x5c) extra += 1;
    else if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
      else extra += 5;
    }
  }
  return extra;
}

type Es2024String = string & { isWellFormed(): boolean };

/**
 * Plain JSON for any value, unredacted (what hmac mode hashes for a secret key's value): cycles, BigInt, Dates,
 * Errors, Maps and non-finite numbers get a JSON form, so canonicalization never fails on it.
 */
export function plainJson(v: unknown, depth: number, ancestors: object[]): Json {
  switch (typeof v) {
    case 'string':
      return wellFormed(v);
    case 'number':
      return Number.isFinite(v) ? v : String(v);
    case 'boolean':
      return v;
    case 'bigint':
      return v.toString();
    case 'object':
      if (v !== null) break;
      return null;
    default:
      return null;
  }
  const obj = v as object;
  if (depth >= MAX_DEPTH) return '[MaxDepth]';
  if (ancestors.includes(obj)) return '[Circular]';
  const sub = substitute(obj);
  if (sub !== undefined) return plainJson(sub, depth, ancestors);
  ancestors.push(obj);
  try {
    if (Array.isArray(obj)) return obj.map((x) => (absent(x) ? null : plainJson(x, depth + 1, ancestors)));
    const out: Record<string, Json> = {};
    for (const k of Object.keys(obj)) {
      const x = (obj as Record<string, unknown>)[k];
      if (!absent(x)) setOwn(out, wellFormed(k), plainJson(x, depth + 1, ancestors));
    }
    return out;
  } finally {
    ancestors.pop();
  }
}
