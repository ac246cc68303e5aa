import type { ValueKind } from '@tollgate/core';
import { LinkifyIt } from 'linkify-it';

/** A value of some kind found in a text: where, as written, and its comparison key. */
export interface Found {
  start: number;
  end: number;
  /** The kind's comparison key (`GB29NWBK…`, `alice@x.com`, `x.com`, `41791234567`, `1000.5`). */
  key: string;
}

/** The kinds found by pattern in free text; `string` is matched by words instead. */
export type PatternKind = Exclude<ValueKind, 'string'>;

/** The kinds {@link findAll} extracts, in a fixed order. */
export const PATTERN_KINDS: readonly PatternKind[] = ['iban', 'email', 'url', 'phone', 'number'];

// Format characters (zero-width spaces and joiners, bidirectional controls, soft hyphens, tag characters) change
// nothing a reader sees, so an attacker can hide them inside a value to dodge an exact match.
const INVISIBLE = /\p{Cf}/gu;

/**
 * The text the index compares: NFKC-normalized (full-width digits become digits) and without format characters.
 * Offsets in {@link Found} refer to this text.
 */
export function cleanText(text: string): string {
  return text.normalize('NFKC').replace(INVISIBLE, '');
}

/** Lower-cases for comparison (JavaScript has no full Unicode case folding; this is `toLowerCase`). */
export function fold(text: string): string {
  return text.toLowerCase();
}

// linkify-it finds links with and without a scheme (`www.x.com`, `x.io/a`) and e-mail addresses, with the real
// top-level domains, so `report.docx` is not a link.
const linkify = new LinkifyIt({ fuzzyLink: true, fuzzyEmail: true, fuzzyIP: true });

/** Unspaced IBANs in any case, and IBANs in groups of four as banks print them (upper case only, so words stay out). */
const IBAN = /\b[A-Za-z]{2}\d{2}[A-Za-z0-9]{11,30}\b|\b[A-Z]{2}\d{2}(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,3})?\b/g;
const IBAN_KEY = /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/;
/** Seven to fifteen digits (E.164's maximum) with the usual separators. */
const PHONE = /(?<![\p{L}\p{N}_+])\+?\(?\d[\d ().\-/]{5,}\d(?![\p{L}\p{N}_])/gu;
const PHONE_CHARS = /^\+?[\d ().\-/]+$/;
/**
 * A number as written: optional sign, digits with optional thousands commas, optional decimals. Digits joined to
 * others by `-`, `/` or `:` are dates, times or ranges (`2024-05-19`, `12:00`), not numbers.
 */
const NUMBER =
  /(?<![\p{L}\p{N}_.,]|\d[-/:])[-+\u2212]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\p{L}\p{N}_]|[.,]\d|[-/:]\d)/gu;
const NUMBER_WHOLE = /^[-+\u2212]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$/;

/** Every value of `kind` in a cleaned text, in order. */
export function findAll(text: string, kind: PatternKind): Found[] {
  switch (kind) {
    case 'iban':
      return scan(text, IBAN, (raw) => raw.replaceAll(' ', '').toUpperCase());
    case 'email':
      return links(text).filter((l) => l.email);
    case 'url':
      return links(text).filter((l) => !l.email);
    case 'phone':
      return scan(text, PHONE, phoneKey);
    case 'number':
      return scan(text, NUMBER, numberKey);
  }
}

/** Every value of every pattern kind in a cleaned text (links found once for both e-mail and URL). */
export function findEvery(text: string): Record<PatternKind, Found[]> {
  const found = links(text);
  return {
    iban: findAll(text, 'iban'),
    email: found.filter((l) => l.email),
    url: found.filter((l) => !l.email),
    phone: findAll(text, 'phone'),
    number: findAll(text, 'number'),
  };
}

/**
 * The comparison key of a value given as `kind`, or `undefined` when it is not one (an e-mail without `@`, a URL
 * without a host). `string` keys are cleaned and case-folded.
 */
export function keyOf(value: unknown, kind: ValueKind): string | undefined {
  if (kind === 'number') {
    if (typeof value === 'number') return Number.isFinite(value) ? numberKey(plainNumber(value)) : undefined;
    if (typeof value === 'bigint') return numberKey(value.toString());
  }
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = cleanText(String(value)).trim();
  if (text === '') return undefined;
  switch (kind) {
    case 'string':
      return fold(text);
    case 'iban': {
      const key = text.replace(/\s+/g, '').toUpperCase();
      return IBAN_KEY.test(key) ? key : undefined;
    }
    case 'email': {
      const address = text.replace(/^mailto:/i, '');
      return /^[^\s@]+@[^\s@]+$/.test(address) ? fold(address) : undefined;
    }
    case 'url':
      return hostKey(text);
    case 'phone':
      return PHONE_CHARS.test(text) ? phoneKey(text) : undefined;
    case 'number':
      return NUMBER_WHOLE.test(text) ? numberKey(text) : undefined;
  }
}

/**
 * A URL's host: lower-case, without `www.`, port, credentials or trailing dot. Takes `x.com/a` without a scheme, but
 * then the host must have a dot (so a plain word is not a URL).
 */
export function hostKey(text: string): string | undefined {
  const schemed = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  if (!schemed && !/^[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$/.test(text)) return undefined;
  const candidate = schemed ? text : `http://${text}`;
  let host: string;
  try {
    host = new URL(candidate).hostname;
  } catch {
    return undefined;
  }
  host = host.replace(/\.$/, '').replace(/^www\./, '');
  return host === '' || /\s/.test(host) ? undefined : host;
}

/**
 * Where a link or an address may start: an `@` between non-spaces, a `://`, or a dot between a word character and
 * two letters. linkify-it costs about 0.4 ms per KB (measured in `pnpm bench`); this test is cheap, so linkify only
 * reads windows of text around these spots.
 */
const LINK_HINT = /[^\s@]@[^\s@]|:\/\/|[\p{L}\p{N}_-]\.\p{L}{2}/gu;
/** Characters around a hint that linkify reads: longer than any link it would find there whole. */
const WINDOW = 512;

function links(text: string): (Found & { email: boolean })[] {
  const out: (Found & { email: boolean })[] = [];
  for (const [from, to] of windows(text)) {
    for (const found of linksIn(text.slice(from, to))) {
      out.push({ ...found, start: found.start + from, end: found.end + from });
    }
  }
  return out;
}

/** Stretches of text around link hints, merged where they overlap and cut at white space so no link is split. */
function windows(text: string): [number, number][] {
  const out: [number, number][] = [];
  for (const m of text.matchAll(LINK_HINT)) {
    let from = Math.max(0, m.index - WINDOW);
    let to = Math.min(text.length, m.index + WINDOW);
    const last = out.at(-1);
    if (last && from <= last[1]) {
      last[1] = Math.max(last[1], to);
      continue;
    }
    while (from > 0 && !/\s/.test(text[from - 1]!)) from--;
    while (to < text.length && !/\s/.test(text[to]!)) to++;
    out.push([from, to]);
  }
  for (const w of out) while (w[1] < text.length && !/\s/.test(text[w[1]]!)) w[1]++;
  return out;
}

function linksIn(text: string): (Found & { email: boolean })[] {
  const out: (Found & { email: boolean })[] = [];
  for (const m of linkify.match(text) ?? []) {
    const email = m.schema === 'mailto:';
    let start = m.index;
    if (email) {
      // Quotes are legal in an address's local part, so linkify keeps `'a@b.com` whole; as written, they quote it.
      const quote = /^(?:mailto:)?['"`\u2018\u2019\u201C\u201D]+/i.exec(text.slice(start, m.lastIndex));
      if (quote) start += quote[0].length;
    }
    const key = email ? keyOf(text.slice(start, m.lastIndex), 'email') : hostKey(m.url);
    if (key) out.push({ start, end: m.lastIndex, key, email });
  }
  return out;
}

function scan(text: string, pattern: RegExp, key: (raw: string) => string | undefined): Found[] {
  const out: Found[] = [];
  for (const m of text.matchAll(pattern)) {
    const k = key(m[0]);
    if (k !== undefined) out.push({ start: m.index, end: m.index + m[0].length, key: k });
  }
  return out;
}

function phoneKey(raw: string): string | undefined {
  const digits = raw.replace(/\D/g, '');
  return digits.length >= 7 && digits.length <= 15 ? digits : undefined;
}

/** A number as written, in one decimal form: no grouping, sign, leading zeros or trailing fractional zeros. */
function numberKey(raw: string): string {
  let text = raw.replaceAll(',', '').replace('\u2212', '-').replace(/^\+/, '');
  const negative = text.startsWith('-');
  if (negative) text = text.slice(1);
  let [whole = '0', fraction = ''] = text.split('.');
  whole = whole.replace(/^0+(?=\d)/, '');
  fraction = fraction.replace(/0+$/, '');
  const body = fraction ? `${whole}.${fraction}` : whole;
  return negative && body !== '0' ? `-${body}` : body;
}

/** A finite number in plain decimal notation (`1e21` → `1000000000000000000000`). */
function plainNumber(value: number): string {
  const text = String(value);
  if (!/e/i.test(text)) return text;
  return value.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
}
