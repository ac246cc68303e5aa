import { randomUUID } from 'node:crypto';
import type { GateContext, GateDecision, GateResult, GateStatus, Json, Stage } from '@tollgate/core';
import type { Redactor } from './redact.js';

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
  return compact({
    ...common(ctx, 'intent', randomUUID()),
    args: bounded(ctx.args, options),
  });
}

/** The record of a call's final result, whatever its status. */
export function outcomeEntry(result: GateResult, ctx: GateContext, options: EntryOptions): AuditEntry {
  const { redactor } = options;
  return compact({
    ...common(ctx, 'outcome', result.eventId),
    status: result.status,
    reason: text(result.reason),
    blockedBy: result.blockedBy === undefined ? undefined : text(result.blockedBy),
    message: scrub(result.message, redactor),
    decisions: result.decisions.map((d) => decision(d, options)),
    args: bounded(ctx.args, options),
    result: 'result' in result ? bounded(result.result, options) : undefined,
    error: result.error && redactError(result.error, redactor),
    approvalId: result.approval?.id,
    resumedFrom: result.resumedFrom,
    durationMs: Math.max(0, ctx.clock.now() - result.timings.startedAt),
  });
}

function common(ctx: GateContext, kind: AuditKind, eventId: string) {
  return {
    v: AUDIT_FORMAT_VERSION,
    ts: new Date(ctx.clock.now()).toISOString(),
    kind,
    callId: text(ctx.callId),
    traceId: text(ctx.traceId),
    eventId,
    tool: text(ctx.tool),
    actor: optionalText(ctx.actor),
    tenant: optionalText(ctx.tenant),
    session: optionalText(ctx.session),
  };
}

function decision(d: GateDecision, options: EntryOptions): AuditDecision {
  const { redactor } = options;
  return compact({
    gate: text(d.gate),
    stage: d.stage,
    outcome: d.outcome,
    reason: text(d.reason),
    message: d.message === undefined ? undefined : scrub(d.message, redactor),
    error: d.error && redactError(d.error, redactor),
    data: d.data === undefined ? undefined : bounded(d.data, options),
  });
}

function redactError(error: { name: string; message: string }, redactor: Redactor) {
  return { name: scrub(error.name, redactor), message: scrub(error.message, redactor) };
}

/** A free-text field: redacted, and well-formed so canonicalization cannot fail on it. */
function scrub(value: unknown, redactor: Redactor): string {
  return redactor.redactString(wellFormed(String(value)));
}

/** Redacts, then truncates: the preview of a long value never holds an unredacted secret. */
function bounded(value: unknown, { redactor, maxValueChars }: EntryOptions): Json | TruncatedValue {
  const safe = redactor.redact(toJson(value, 0, new WeakSet()));
  const json = JSON.stringify(safe);
  if (json.length <= maxValueChars) return safe;
  return { truncated: true, chars: json.length, preview: wellFormed(json.slice(0, maxValueChars)) };
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

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** RFC 8785 rejects lone surrogates; replace them (U+FFFD) instead of failing the record. */
function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/** Identity fields come from the model or the caller: any value is stored as a well-formed string. */
function text(value: unknown): string {
  return wellFormed(String(value));
}

function optionalText(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : text(value);
}

/** Drops `undefined` fields, so an absent field and a missing one hash alike. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
