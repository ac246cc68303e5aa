import { randomUUID } from 'node:crypto';
import type { GateContext, GateDecision, GateResult, GateStatus, Json, Stage } from '@tollgate/core';
import { type Redactor, setOwn, uniqueKey, wellFormed } from './redact.js';

/** Version of the record format, written as `v` on every record. */
export const AUDIT_FORMAT_VERSION = 1;

/** `intent`: written before the handler runs (write-ahead); `outcome`: the call's final result. */
export type AuditKind = 'intent' | 'outcome';

/** A value too long for the record: the start of its (redacted) JSON text and its full length. */
export interface TruncatedValue {
  /** Always true: marks the value as cut. */
  truncated: true;
  /** Length of the full JSON text, in UTF-16 code units. */
  chars: number;
  /** The first `maxValueChars` characters of the redacted JSON text. */
  preview: string;
}

/** One gate's decision as recorded: its `data` is redacted and bounded like args. */
export interface AuditDecision {
  /** Name of the gate that decided (`validation` for the runner's schema check). */
  gate: string;
  /** Stage it ran in. */
  stage: Stage | 'registry';
  outcome: GateDecision['outcome'];
  /** Stable reason code. */
  reason: string;
  /** The gate's message for the model, redacted. */
  message?: string;
  /** Set when the gate itself failed, redacted. */
  error?: { name: string; message: string };
  /** The gate's detail, redacted and bounded like args. */
  data?: Json | TruncatedValue;
}

/**
 * An audit record before a sink seals it into its chain. Every string that could carry caller data
 * (args, result, error, messages, decision data) is already redacted.
 */
export interface AuditEntry {
  /** Format version ({@link AUDIT_FORMAT_VERSION}). */
  v: number;
  /** ISO 8601 time from the runner's clock (`ctx.clock`). */
  ts: string;
  /** `intent` (before the handler) or `outcome` (the final result). */
  kind: AuditKind;
  /** Shared by a call's intent and outcome records. */
  callId: string;
  /** Groups the calls of one agent run. */
  traceId: string;
  /** The result's `eventId` for an outcome; a fresh UUID for an intent. */
  eventId: string;
  /** Tool name as the model called it. */
  tool: string;
  /** Who called (from the call context). */
  actor?: string;
  /** The tenant the call belongs to. */
  tenant?: string;
  /** The conversation or run the call belongs to. */
  session?: string;
  /** The call's final status (outcome records only). */
  status?: GateStatus;
  /** Stable reason code (outcome records only). */
  reason?: string;
  /** The gate (or `validation`, `registry`, `approval`) that stopped the call. */
  blockedBy?: string;
  /** The message the model was given, redacted. */
  message?: string;
  /** Every decision taken, in pipeline order (outcome records only). */
  decisions?: AuditDecision[];
  /** The call's arguments, redacted and bounded. */
  args: Json | TruncatedValue;
  /** The handler's return value, redacted and bounded. */
  result?: Json | TruncatedValue;
  /** The handler's error, redacted. */
  error?: { name: string; message: string };
  /** The approval this call waits for (`approval_required`). */
  approvalId?: string;
  /** The approval this call was resumed from. */
  resumedFrom?: string;
  /** ms from the call's start to its outcome, by the runner's clock. */
  durationMs?: number;
}

/** An audit record as written: an {@link AuditEntry} sealed with its place in the hash chain. */
export interface AuditRecord extends AuditEntry {
  /** 1 for a sink's first record, then +1 per record, without gaps. */
  seq: number;
  /** The previous record's `hash`, or {@link GENESIS_HASH} for seq 1. */
  prevHash: string;
  /** SHA-256 (hex) of the RFC 8785 canonical JSON of this record without `hash`. */
  hash: string;
}

/** How entries are built: what to redact and how long a value may get. */
export interface EntryOptions {
  /** What to redact, and how. */
  redactor: Redactor;
  /** Longest JSON text kept for args, results and decision data before truncation (chars). */
  maxValueChars: number;
}

/** The write-ahead record of a call about to run. */
export function intentEntry(ctx: GateContext, options: EntryOptions): AuditEntry {
  const entry = common(ctx, 'intent', randomUUID());
  entry.args = bounded(ctx.args, options);
  return entry;
}

/**
 * The record of a call's final result, whatever its status. Built in its final shape, field by field in the
 * record's order, with absent fields left out (so an absent field and a missing one hash alike).
 */
export function outcomeEntry(result: GateResult, ctx: GateContext, options: EntryOptions): AuditEntry {
  const { redactor } = options;
  const entry = common(ctx, 'outcome', result.eventId);
  if (result.status !== undefined) entry.status = result.status;
  entry.reason = text(result.reason);
  if (result.blockedBy !== undefined) entry.blockedBy = text(result.blockedBy);
  entry.message = scrub(result.message, redactor);
  entry.decisions = result.decisions.map((d) => decision(d, options));
  entry.args = bounded(ctx.args, options);
  if ('result' in result) entry.result = bounded(result.result, options);
  if (result.error) entry.error = redactError(result.error, redactor);
  if (result.approval?.id !== undefined) entry.approvalId = result.approval.id;
  if (result.resumedFrom !== undefined) entry.resumedFrom = result.resumedFrom;
  entry.durationMs = Math.max(0, ctx.clock.now() - result.timings.startedAt);
  return entry;
}

function common(ctx: GateContext, kind: AuditKind, eventId: string): AuditEntry {
  const entry = {
    v: AUDIT_FORMAT_VERSION,
    ts: new Date(ctx.clock.now()).toISOString(),
    kind,
    callId: text(ctx.callId),
    traceId: text(ctx.traceId),
    eventId,
    tool: text(ctx.tool),
  } as AuditEntry;
  if (ctx.actor !== undefined && ctx.actor !== null) entry.actor = text(ctx.actor);
  if (ctx.tenant !== undefined && ctx.tenant !== null) entry.tenant = text(ctx.tenant);
  if (ctx.session !== undefined && ctx.session !== null) entry.session = text(ctx.session);
  return entry;
}

function decision(d: GateDecision, options: EntryOptions): AuditDecision {
  const { redactor } = options;
  const out: AuditDecision = { gate: text(d.gate), stage: d.stage, outcome: d.outcome, reason: text(d.reason) };
  if (d.message !== undefined) out.message = scrub(d.message, redactor);
  if (d.error) out.error = redactError(d.error, redactor);
  if (d.data !== undefined) out.data = bounded(d.data, options);
  return out;
}

function redactError(error: { name: string; message: string }, redactor: Redactor) {
  return { name: scrub(error.name, redactor), message: scrub(error.message, redactor) };
}

/** A free-text field: redacted, and well-formed so canonicalization cannot fail on it. */
function scrub(value: unknown, redactor: Redactor): string {
  return redactor.redactString(wellFormed(String(value)));
}

/**
 * Redacts, then truncates: the preview of a long value never holds an unredacted secret. The JSON text is
 * only built when a cheap upper bound of its length passes `maxValueChars`.
 */
function bounded(value: unknown, { redactor, maxValueChars }: EntryOptions): Json | TruncatedValue {
  const safe = redactedJson(value, 0, new WeakSet(), redactor);
  if (jsonLengthBound(safe, maxValueChars) <= maxValueChars) return safe;
  const json = JSON.stringify(safe);
  if (json.length <= maxValueChars) return safe;
  return { truncated: true, chars: json.length, preview: wellFormed(json.slice(0, maxValueChars)) };
}

/**
 * An upper bound of `JSON.stringify(value).length` (a string's JSON text is at most six characters per code
 * unit, `\uXXXX`, plus quotes), or any number above `limit` once the bound passes it.
 */
function jsonLengthBound(value: Json, limit: number): number {
  if (typeof value === 'string') return 2 + 6 * value.length;
  if (typeof value === 'number') return String(value).length;
  if (typeof value === 'boolean') return 5;
  if (value === null) return 4;
  let total = 2;
  if (Array.isArray(value)) {
    for (const v of value) {
      total += jsonLengthBound(v, limit - total) + 1;
      if (total > limit) return total;
    }
    return total;
  }
  for (const k of Object.keys(value)) {
    total += 2 + 6 * k.length + 2 + jsonLengthBound(value[k] as Json, limit - total);
    if (total > limit) return total;
  }
  return total;
}

/**
 * `redactor.redact(toJson(value))` in one walk: the plain, redacted JSON of any value. Values under secret
 * keys are masked whole (their JSON form is still built, as hmac mode hashes it).
 */
function redactedJson(value: unknown, depth: number, seen: WeakSet<object>, redactor: Redactor): Json {
  if (typeof value === 'string') return redactor.redactString(wellFormed(value));
  if (typeof value !== 'object' || value === null) return redactor.redact(toJson(value, depth, seen));
  const obj = value as object;
  if (depth >= MAX_DEPTH || seen.has(obj) || !isPlain(obj)) return redactor.redact(toJson(value, depth, seen));
  seen.add(obj);
  try {
    if (Array.isArray(obj)) return Array.from(obj, (v) => redactedJson(v, depth + 1, seen, redactor));
    const out: Record<string, Json> = {};
    for (const k of Object.keys(obj)) {
      const v = (obj as Record<string, unknown>)[k];
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      const key = redactor.redactKey(k);
      setOwn(
        out,
        uniqueKey(out, key.name),
        key.secret ? redactor.mask(toJson(v, depth + 1, seen)) : redactedJson(v, depth + 1, seen, redactor),
      );
    }
    return out;
  } finally {
    seen.delete(obj);
  }
}

/** Arrays and objects that `toJson` copies field by field (not Dates, Errors, binary, Maps or Sets). */
function isPlain(obj: object): boolean {
  return (
    Array.isArray(obj) ||
    !(
      obj instanceof Date ||
      obj instanceof Error ||
      ArrayBuffer.isView(obj) ||
      obj instanceof ArrayBuffer ||
      obj instanceof Map ||
      obj instanceof Set
    )
  );
}

const MAX_DEPTH = 32;

/**
 * Plain JSON for any value a handler may return: cycles, BigInt, Dates, Errors, Maps and non-finite numbers
 * get a JSON form, so canonicalization (which rejects them) never fails on a record.
 */
function toJson(value: unknown, depth: number, seen: WeakSet<object>): Json {
  switch (typeof value) {
    case 'string':
      return wellFormed(value);
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return null;
  }
  if (value === null) return null;
  const obj = value as object;
  if (depth >= MAX_DEPTH) return '[MaxDepth]';
  if (seen.has(obj)) return '[Circular]';
  seen.add(obj);
  try {
    if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
    if (obj instanceof Error) return { name: wellFormed(obj.name), message: wellFormed(obj.message) };
    if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer) return `[binary ${obj.byteLength} bytes]`;
    if (obj instanceof Map) return toJson(Object.fromEntries(obj), depth, seen);
    if (obj instanceof Set || Array.isArray(obj)) return [...obj].map((v) => toJson(v, depth + 1, seen));
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(obj)) {
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      out[wellFormed(k)] = toJson(v, depth + 1, seen);
    }
    return out;
  } finally {
    seen.delete(obj);
  }
}

/** Identity fields come from the model or the caller: any value is stored as a well-formed string. */
function text(value: unknown): string {
  return wellFormed(String(value));
}
