import { randomUUID } from 'node:crypto';
import type { ApprovalRecord, GateContext, GateDecision, GateResult, GateStatus, Json, Stage } from '@tollgate/core';
import { type Bounded, bounded, boundedId, boundedText, type TruncatedValue } from './bound.js';
import type { Redactor } from './redact.js';

/** Version of the record format, written as `v` on every record. */
export const AUDIT_FORMAT_VERSION = 1;

/**
 * `intent`: written before the handler runs (write-ahead); `outcome`: the call's final result; `approval`: a
 * person's decision on the call's approval (who, when, their comment), written when it is taken.
 */
export type AuditKind = 'intent' | 'outcome' | 'approval';

/** What an `approval` record says was decided. */
export interface AuditApproval {
  /** The approval's state after the decision: `approved`, `denied`, or `pending` (one approval of several). */
  status: ApprovalRecord['status'];
  /** Who decided: the reviewer's identity. */
  by: string;
  /** `approved` or `denied`: what this person said. */
  said: 'approved' | 'denied';
  /** Their comment, redacted. */
  comment?: string;
  /** With a quorum: everyone who has approved so far, and how many are required. */
  approvals?: string[];
  required?: number;
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
  /** `false` for a gate in shadow: its outcome was recorded, not enforced (absent when enforced). */
  enforced?: false;
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
  /** For an `approval` record: the decision taken on approval `approvalId`. */
  approval?: AuditApproval;
  /** ms from the call's start to its outcome, by the runner's clock. */
  durationMs?: number;
  /** Who wrote the record: the service or process that audits (auditgate's `recorded_by`), when configured. */
  recordedBy?: string;
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
  /**
   * Longest JSON text kept for args, results and decision data before truncation, and longest message or
   * identity field before it is cut (chars).
   */
  maxValueChars: number;
  /** Written as every record's `recordedBy` (see {@link AuditEntry.recordedBy}). */
  recordedBy?: string;
}

/** Entries whose every object was built here, keys in RFC 8785 order: JSON.stringify writes them canonically. */
const orderedEntries = new WeakSet<AuditEntry>();

/** True for an entry built by {@link intentEntry} or {@link outcomeEntry} whose values JSON.stringify orders canonically. */
export function isOrderedEntry(entry: AuditEntry): boolean {
  return orderedEntries.has(entry);
}

/** A call's arguments as its intent recorded them, so its outcome records the same without a second walk. */
const argsOfCall = new WeakMap<GateContext, Bounded>();

/** The write-ahead record of a call about to run. */
export function intentEntry(ctx: GateContext, options: EntryOptions): AuditEntry {
  const args = bounded(ctx.args, options.redactor, options.maxValueChars);
  argsOfCall.set(ctx, args);
  const entry = common(ctx, 'intent', randomUUID(), options);
  entry.args = args.value;
  if (args.ordered) orderedEntries.add(entry);
  return entry;
}

/**
 * The record of a call's final result, whatever its status, with absent fields left out (so an absent field
 * and a missing one hash alike). Its args are the ones its intent recorded, if it had one: the arguments as the
 * handler received them, not as the handler may have changed them.
 */
export function outcomeEntry(result: GateResult, ctx: GateContext, options: EntryOptions): AuditEntry {
  const { redactor, maxValueChars: max } = options;
  const entry = common(ctx, 'outcome', result.eventId, options);
  let ordered = true;
  const keep = (b: Bounded) => {
    ordered &&= b.ordered;
    return b.value;
  };
  if (result.status !== undefined) entry.status = result.status;
  entry.reason = boundedId(result.reason, max);
  if (result.blockedBy !== undefined) entry.blockedBy = boundedId(result.blockedBy, max);
  entry.message = boundedText(result.message, redactor, max);
  entry.decisions = result.decisions.map((d) => {
    const out: AuditDecision = {} as AuditDecision;
    // Keys in RFC 8785 order: data, enforced, error, gate, message, outcome, reason, stage.
    if (d.data !== undefined) out.data = keep(bounded(d.data, redactor, max));
    if (d.enforced === false) out.enforced = false;
    if (d.error) out.error = redactError(d.error, options);
    out.gate = boundedId(d.gate, max);
    if (d.message !== undefined) out.message = boundedText(d.message, redactor, max);
    out.outcome = d.outcome;
    out.reason = boundedId(d.reason, max);
    out.stage = d.stage;
    return out;
  });
  entry.args = keep(argsOfCall.get(ctx) ?? bounded(ctx.args, redactor, max));
  if ('result' in result) entry.result = keep(bounded(result.result, redactor, max));
  if (result.error) entry.error = redactError(result.error, options);
  if (result.approval?.id !== undefined) entry.approvalId = boundedId(result.approval.id, max);
  if (result.resumedFrom !== undefined) entry.resumedFrom = boundedId(result.resumedFrom, max);
  const duration = ctx.clock.now() - result.timings.startedAt;
  if (Number.isFinite(duration)) entry.durationMs = Math.max(0, duration);
  if (ordered) orderedEntries.add(entry);
  return entry;
}

/**
 * The record of a person's decision on an approval, built from the stored record after the decision: the call
 * it is for (ids, caller, redacted args), who decided and what. `said` is the decision this person took; with a
 * quorum, `status` stays `pending` until enough approvals are in. Not built in canonical key order (it is rare):
 * its sink canonicalizes it.
 * @param now ms since the epoch
 */
export function approvalEntry(
  record: ApprovalRecord,
  decision: { by: string; said: 'approved' | 'denied'; comment?: string },
  now: number,
  options: EntryOptions,
): AuditEntry {
  const { redactor, maxValueChars: max } = options;
  const ctx = record.context;
  const entry = {
    v: AUDIT_FORMAT_VERSION,
    ts: isoTime(now),
    kind: 'approval',
    callId: boundedId(record.callId, max),
    traceId: boundedId(ctx.traceId ?? '', max),
    eventId: randomUUID(),
    tool: boundedId(record.tool, max),
  } as AuditEntry;
  if (ctx.actor !== undefined && ctx.actor !== null) entry.actor = boundedId(ctx.actor, max);
  if (ctx.tenant !== undefined && ctx.tenant !== null) entry.tenant = boundedId(ctx.tenant, max);
  if (ctx.session !== undefined && ctx.session !== null) entry.session = boundedId(ctx.session, max);
  entry.reason = boundedId(record.reason, max);
  entry.args = bounded(record.args, redactor, max).value;
  entry.approvalId = boundedId(record.id, max);
  const approval: AuditApproval = { status: record.status, by: boundedId(decision.by, max), said: decision.said };
  if (decision.comment !== undefined) approval.comment = boundedText(decision.comment, redactor, max);
  if (record.quorum) {
    approval.approvals = (record.approvals ?? []).map((a) => boundedId(a.by, max));
    approval.required = record.quorum.required;
  }
  entry.approval = approval;
  if (options.recordedBy !== undefined) entry.recordedBy = boundedId(options.recordedBy, max);
  return entry;
}

/** The last time formatted, and how: calls in the same millisecond share one ISO string. */
let lastMs = Number.NaN;
let lastIso = '';

function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}

function common(ctx: GateContext, kind: AuditKind, eventId: string, options: EntryOptions): AuditEntry {
  const max = options.maxValueChars;
  const entry = {
    v: AUDIT_FORMAT_VERSION,
    ts: isoTime(ctx.clock.now()),
    kind,
    callId: boundedId(ctx.callId, max),
    traceId: boundedId(ctx.traceId, max),
    eventId: boundedId(eventId, max),
    tool: boundedId(ctx.tool, max),
  } as AuditEntry;
  if (ctx.actor !== undefined && ctx.actor !== null) entry.actor = boundedId(ctx.actor, max);
  if (ctx.tenant !== undefined && ctx.tenant !== null) entry.tenant = boundedId(ctx.tenant, max);
  if (ctx.session !== undefined && ctx.session !== null) entry.session = boundedId(ctx.session, max);
  if (options.recordedBy !== undefined) entry.recordedBy = boundedId(options.recordedBy, max);
  return entry;
}

/** An error as recorded: `message` before `name`, both redacted and bounded. */
function redactError(error: { name: string; message: string }, { redactor, maxValueChars }: EntryOptions) {
  return {
    message: boundedText(error.message, redactor, maxValueChars),
    name: boundedText(error.name, redactor, maxValueChars),
  };
}
