import type { CallContext, ProvenanceSource } from '@tollgate/core';

/**
 * One recorded tool call in tollgate's trace format.
 * @see TraceEpisode for the line format; docs/cli.md documents both.
 */
export interface TraceCall {
  /** The model's tool call id (`call_…`); it becomes the call id the gates see. */
  id: string;
  /** Tool name as the model called it. */
  tool: string;
  /** Arguments exactly as the model sent them: a JSON string (as both OpenAI APIs send) or an object. */
  arguments: string | Record<string, unknown>;
  /** What the real tool returned when the call was recorded; the replay handler returns it. */
  output?: unknown;
  /** The recorded tool error, if the tool failed; the replay handler throws it, so the call ends as `tool_error`. */
  error?: string | null;
  /** When the call was made: ms since the epoch or an ISO 8601 string. Absent: the replay clock steps instead. */
  at?: number | string;
  /** What is known about the call. `attack: true` marks a call that serves a prompt injection's goal. */
  label?: { attack?: boolean };
}

/**
 * Something the model read during the recorded run that a gate may ask about: the system prompt, the user's words,
 * a tool's output. `before` is the index of the first call (from 0) made after the model read it; an entry with
 * `before` past the last call was read after every call.
 */
export interface TraceProvenanceEntry {
  /** Index of the first call made after the model read it. */
  before: number;
  /** Who wrote it: `{origin: 'system' | 'developer' | 'user'}` or `{origin: 'tool', tool, callId}`. */
  source: ProvenanceSource;
  /** What the model read: a string, or a JSON value for structured output. */
  content: unknown;
}

/** Episode labels: flat, JSON scalar values (e.g. `{suite: 'slack', kind: 'attacked'}`), for grouping summaries. */
export type EpisodeLabels = Record<string, string | number | boolean | null>;

/**
 * One agent run: a line of tollgate's JSONL trace format.
 * `{ id, context?: {actor, tenant, session, …}, labels?: {…}, calls: [{ id, tool, arguments, output?, error?, at?, label? }] }`
 */
export interface TraceEpisode {
  /** Unique within the file. */
  id: string;
  /** Who made the calls; passed to the runner with each call (the policy's `context` may override it). */
  context?: Omit<CallContext, 'callId'>;
  /** Facts about the episode as a whole (suite, benign or attacked…). */
  labels?: EpisodeLabels;
  /** The tool calls, in the order they were made. */
  calls: TraceCall[];
  /**
   * What the model read, in order, with the call it preceded: replay records it into the run's provenance
   * (`ctx.provenance`) before that call, so provenance gates judge recorded traffic as they would live. Absent: the
   * calls have no provenance.
   */
  provenance?: TraceProvenanceEntry[];
}

/** A parsed line, or why it was refused (a sentence naming the bad field). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** Validates one JSON value as a {@link TraceEpisode}. */
export function parseTraceEpisode(value: unknown): Parsed<TraceEpisode> {
  if (!isObject(value)) return fail('an episode must be a JSON object');
  const id = idOf(value.id);
  if (id === undefined) return fail('`id` must be a non-empty string or a number');
  if (!Array.isArray(value.calls)) return fail('`calls` must be an array');
  if (value.context !== undefined && !isObject(value.context)) return fail('`context` must be an object');
  const labels = parseLabels(value.labels);
  if (!labels.ok) return labels;
  const calls: TraceCall[] = [];
  for (const [i, raw] of value.calls.entries()) {
    const call = parseTraceCall(raw);
    if (!call.ok) return fail(`calls[${i}]: ${call.message}`);
    calls.push(call.value);
  }
  const provenance = parseProvenance(value.provenance);
  if (!provenance.ok) return provenance;
  const episode: TraceEpisode = { id, calls };
  if (value.context) episode.context = value.context as TraceEpisode['context'];
  if (labels.value) episode.labels = labels.value;
  if (provenance.value) episode.provenance = provenance.value;
  return { ok: true, value: episode };
}

/** Validates an episode's `provenance`: absent, or entries with a call index, a source and content. */
export function parseProvenance(value: unknown): Parsed<TraceProvenanceEntry[] | undefined> {
  if (value === undefined) return { ok: true, value: undefined };
  if (!Array.isArray(value)) return fail('`provenance` must be an array');
  for (const [i, entry] of value.entries()) {
    const at = `provenance[${i}]`;
    if (!isObject(entry)) return fail(`${at} must be an object`);
    if (!Number.isInteger(entry.before) || (entry.before as number) < 0) {
      return fail(`${at}.before must be a call index (an integer, 0 or more)`);
    }
    const source = entry.source;
    const plain = isObject(source) && ['system', 'developer', 'user'].includes(source.origin as string);
    const tool =
      isObject(source) &&
      source.origin === 'tool' &&
      typeof source.tool === 'string' &&
      typeof source.callId === 'string';
    if (!plain && !tool) {
      return fail(`${at}.source must be {origin: 'system' | 'developer' | 'user'} or {origin: 'tool', tool, callId}`);
    }
  }
  return { ok: true, value: value as TraceProvenanceEntry[] };
}

function parseTraceCall(value: unknown): Parsed<TraceCall> {
  if (!isObject(value)) return fail('a call must be a JSON object');
  const id = idOf(value.id);
  if (id === undefined) return fail('`id` must be a non-empty string');
  if (typeof value.tool !== 'string' || value.tool === '') return fail('`tool` must be a non-empty string');
  const args = value.arguments;
  if (typeof args !== 'string' && !isObject(args)) return fail('`arguments` must be a JSON string or an object');
  if (value.error !== undefined && value.error !== null && typeof value.error !== 'string') {
    return fail('`error` must be a string or null');
  }
  if (value.at !== undefined && timeOf(value.at) === undefined) {
    return fail('`at` must be ms since the epoch or an ISO 8601 time');
  }
  if (value.label !== undefined) {
    if (!isObject(value.label)) return fail('`label` must be an object');
    if (value.label.attack !== undefined && typeof value.label.attack !== 'boolean') {
      return fail('`label.attack` must be a boolean');
    }
  }
  const call: TraceCall = { id, tool: value.tool, arguments: args };
  if ('output' in value) call.output = value.output;
  if (typeof value.error === 'string') call.error = value.error;
  if (value.at !== undefined) call.at = value.at as number | string;
  if (value.label !== undefined) call.label = value.label as TraceCall['label'];
  return { ok: true, value: call };
}

/** Validates episode labels: absent, or an object of string, number, boolean or null values. */
export function parseLabels(value: unknown): Parsed<EpisodeLabels | undefined> {
  if (value === undefined) return { ok: true, value: undefined };
  if (!isObject(value)) return fail('`labels` must be an object');
  for (const [key, v] of Object.entries(value)) {
    if (v !== null && !['string', 'number', 'boolean'].includes(typeof v)) {
      return fail(`\`labels.${key}\` must be a string, number, boolean or null`);
    }
  }
  return { ok: true, value: value as EpisodeLabels };
}

/** A call's time in ms since the epoch, or `undefined` when `at` is neither a finite number nor a parsable date. */
export function timeOf(at: unknown): number | undefined {
  if (typeof at === 'number') return Number.isFinite(at) ? at : undefined;
  if (typeof at !== 'string') return undefined;
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? undefined : ms;
}

/** True for a non-null, non-array object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A usable id: a non-empty string, or a number turned into one. */
export function idOf(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A refused line. */
export function fail(message: string): { ok: false; message: string } {
  return { ok: false, message };
}
