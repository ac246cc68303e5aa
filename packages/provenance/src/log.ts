import type { ProvenanceOccurrence, ProvenanceRecorder, ProvenanceSource, ValueKind } from '@tollgate/core';
import { excerptAround } from './excerpt.js';
import { cleanText, findEvery, fold, keyOf, PATTERN_KINDS, type PatternKind } from './kinds.js';
import { segmentsOf } from './segments.js';

/** One recorded piece of content, as the log keeps it. */
export interface ProvenanceEntry {
  /** Who wrote it. */
  readonly source: ProvenanceSource;
  /** Its position in the run, from 0. */
  readonly index: number;
  /** True when it was a JSON object or array (its fields are kept apart). */
  readonly structured: boolean;
  /** How many characters of text it held, after cleaning. */
  readonly chars: number;
}

/** A text the index searches: a whole string content, or one field (or key) of structured content. */
interface Segment {
  readonly entry: number;
  readonly field: string | undefined;
  /** Cleaned text (NFKC, no format characters). */
  readonly text: string;
  /** `text`, case-folded; offsets match `text` when both have the same length. */
  readonly folded: string;
}

interface Posting {
  readonly segment: number;
  readonly start: number;
  readonly end: number;
  readonly whole: boolean;
}

/** Words are runs of letters and digits; strings are found through the rarest word they contain. */
const WORD = /[\p{L}\p{N}]+/gu;
const WORD_CHAR = /[\p{L}\p{N}]/u;

/**
 * A run's provenance: every piece of content the model has seen, with its source, indexed when it is recorded so
 * that {@link find} never rescans the run. IBANs, e-mail addresses, URL hosts, phone numbers and numbers are keyed by
 * their normalized form; strings are found through a word index and then compared exactly and case-folded, at word
 * boundaries. Text is NFKC-normalized and stripped of format characters (zero-width, bidirectional controls) first,
 * so a value hidden among invisible characters is still found.
 *
 * One log per run: adapters create it (`provenance: () => new ProvenanceLog()`), record into it as they append
 * messages, and rebuild it from the messages when a paused run resumes. It is never serialized.
 */
export class ProvenanceLog implements ProvenanceRecorder {
  private readonly recorded: ProvenanceEntry[] = [];
  private readonly sources: ProvenanceSource[] = [];
  private readonly segments: Segment[] = [];
  private readonly keyed = new Map<PatternKind, Map<string, Posting[]>>(PATTERN_KINDS.map((k) => [k, new Map()]));
  private readonly words = new Map<string, number[]>();

  /** How many pieces of content have been recorded. */
  get size(): number {
    return this.recorded.length;
  }

  /** The recorded pieces, in order (their sources and sizes; the text stays inside the log). */
  entries(): readonly ProvenanceEntry[] {
    return this.recorded;
  }

  /**
   * Records content the model sees. A string is one text; an object or array (or a string holding JSON of one) keeps
   * its fields, each indexed with its JSON Pointer, and object keys count as fields too. Other values are recorded as
   * their string form. Never throws for odd content: cycles are cut, depth is capped at 64.
   * @throws {TypeError} for a source that is not one of {@link ProvenanceSource}'s shapes
   */
  record(source: ProvenanceSource, content: unknown): void {
    const checked = checkSource(source);
    const entry = this.recorded.length;
    const { structured, parts } = segmentsOf(content);
    let chars = 0;
    for (const part of parts) {
      const text = cleanText(part.text);
      if (text === '') continue;
      chars += text.length;
      this.index({ entry, field: part.field, text, folded: fold(text) });
    }
    this.sources.push(checked);
    this.recorded.push(Object.freeze({ source: checked, index: entry, structured, chars }));
  }

  /**
   * Where `value` occurs, compared as `kind`, in record order. The cost is that of the occurrences (and, for
   * strings, of the texts holding the value's rarest word), never of the whole run.
   */
  find(value: unknown, kind: ValueKind): ProvenanceOccurrence[] {
    const key = keyOf(value, kind);
    if (key === undefined) return [];
    if (kind === 'string') return this.findString(String(value), key);
    const postings = this.keyed.get(kind)?.get(key) ?? [];
    const given = typeof value === 'string' ? cleanText(value).trim() : undefined;
    return postings.map((p) => {
      const segment = this.segments[p.segment]!;
      const written = segment.text.slice(p.start, p.end);
      return this.occurrence(segment, p, written === given ? 'exact' : 'normalized');
    });
  }

  private index(segment: Segment): void {
    const id = this.segments.push(segment) - 1;
    const trimmed = segment.text.trim();
    const every = findEvery(segment.text);
    for (const kind of PATTERN_KINDS) {
      const byKey = this.keyed.get(kind)!;
      for (const found of every[kind]) {
        const whole = segment.field !== undefined && segment.text.slice(found.start, found.end) === trimmed;
        const posting = { segment: id, start: found.start, end: found.end, whole };
        const list = byKey.get(found.key);
        if (list) list.push(posting);
        else byKey.set(found.key, [posting]);
      }
    }
    for (const word of new Set(Array.from(segment.folded.matchAll(WORD), (m) => m[0]))) {
      const list = this.words.get(word);
      if (!list) this.words.set(word, [id]);
      else if (list.at(-1) !== id) list.push(id);
    }
  }

  private findString(value: string, folded: string): ProvenanceOccurrence[] {
    const exact = cleanText(value).trim();
    const words = [...folded.matchAll(WORD)].map((m) => m[0]);
    // The rarest word's texts are the only candidates; a value without a word (`--`) is looked for everywhere.
    let candidates: Iterable<number> = this.segments.keys();
    if (words.length > 0) {
      let rarest: number[] | undefined;
      for (const word of words) {
        const list = this.words.get(word);
        if (!list) return [];
        if (!rarest || list.length < rarest.length) rarest = list;
      }
      candidates = rarest!;
    }
    const out: ProvenanceOccurrence[] = [];
    for (const id of candidates) {
      const segment = this.segments[id]!;
      // Offsets in the folded text are offsets in the text only when folding kept the length.
      const text = segment.folded.length === segment.text.length ? segment.text : segment.folded;
      for (let at = segment.folded.indexOf(folded); at !== -1; at = segment.folded.indexOf(folded, at + 1)) {
        const end = at + folded.length;
        if (!atBoundary(segment.folded, at, end)) continue;
        const whole = segment.field !== undefined && segment.folded.trim() === folded;
        const match = text.slice(at, end) === exact ? 'exact' : 'folded';
        out.push(this.occurrence(segment, { segment: id, start: at, end, whole }, match));
      }
    }
    return out;
  }

  private occurrence(segment: Segment, p: Posting, match: ProvenanceOccurrence['match']): ProvenanceOccurrence {
    const occurrence = {
      source: this.sources[segment.entry]!,
      entry: segment.entry,
      whole: p.whole,
      match,
    } as ProvenanceOccurrence;
    if (segment.field !== undefined) occurrence.field = segment.field;
    // Built when read: a common value can occur thousands of times, and a gate reads a few excerpts.
    let excerpt: string | undefined;
    Object.defineProperty(occurrence, 'excerpt', {
      enumerable: true,
      get: () => (excerpt ??= excerptAround(segment.text, p.start, p.end)),
    });
    return occurrence;
  }
}

/** True when `[start, end)` neither starts nor ends inside a word (a value's own edges may be punctuation). */
function atBoundary(text: string, start: number, end: number): boolean {
  const before = text[start - 1];
  const after = text[end];
  const first = text[start]!;
  const last = text[end - 1]!;
  if (before !== undefined && WORD_CHAR.test(first) && WORD_CHAR.test(before)) return false;
  if (after !== undefined && WORD_CHAR.test(last) && WORD_CHAR.test(after)) return false;
  return true;
}

function checkSource(source: ProvenanceSource): ProvenanceSource {
  const s = source as Partial<{ origin: unknown; tool: unknown; callId: unknown }> | null;
  if (s && (s.origin === 'user' || s.origin === 'system' || s.origin === 'developer')) return { origin: s.origin };
  if (s && s.origin === 'tool' && typeof s.tool === 'string' && typeof s.callId === 'string') {
    return { origin: 'tool', tool: s.tool, callId: s.callId };
  }
  throw new TypeError(
    "A provenance source must be {origin: 'user' | 'system' | 'developer'} or {origin: 'tool', tool, callId}.",
  );
}
