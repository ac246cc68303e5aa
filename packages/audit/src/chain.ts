import { hash } from 'node:crypto';
import { canonicalJson } from '@tollgate/core';
import { type AuditEntry, type AuditRecord, isOrderedEntry } from './record.js';

/** `prevHash` of a chain's first record: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** Where a chain ends: the last record's seq and hash (`{ seq: 0, hash: GENESIS_HASH }` when empty). */
export interface ChainHead {
  /** The last record's seq (0 for an empty chain). */
  seq: number;
  /** The last record's hash (64 hex; {@link GENESIS_HASH} for an empty chain). */
  hash: string;
}

/** The head of an empty chain. */
export const GENESIS: ChainHead = Object.freeze({ seq: 0, hash: GENESIS_HASH });

/**
 * SHA-256 (hex) over the RFC 8785 canonical JSON of a record without its `hash` field. Key order and number
 * formatting of the stored line do not matter: only the canonical form is hashed.
 * @throws TypeError when the record holds a value JSON cannot represent (a lone surrogate, a cycle, a BigInt)
 */
export function recordHash(record: Omit<AuditRecord, 'hash'> | AuditRecord): string {
  const { hash: _ignored, ...rest } = record as AuditRecord;
  return sha256(canonicalJson(rest));
}

/** A sealed record and its JSONL line (no newline). */
export interface SealedRecord {
  record: AuditRecord;
  line: string;
}

/**
 * Seals an entry as the record after `head` (the next seq, linked by `prevHash`, hashed) and writes its line:
 * the record's canonical JSON with `hash` added as its last member.
 *
 * An entry built by `intentEntry`/`outcomeEntry` holds only objects built in canonical key order, so its
 * canonical JSON is `JSON.stringify` of the record assembled in that order (about five times cheaper than a
 * general RFC 8785 serializer on these records); any other entry goes through core's `canonicalJson`. Both
 * give the same text, so the hash does not depend on which path sealed it.
 * @throws TypeError when the entry holds a value JSON cannot represent
 */
export function sealRecord(entry: AuditEntry, head: ChainHead): SealedRecord {
  let record: Record<string, unknown>;
  let text: string;
  const fast = isOrderedEntry(entry) ? ordered(entry, head.seq + 1, head.hash) : undefined;
  // An ordered entry holds no field `ordered` leaves out, unless it was changed after it was built.
  if (fast !== undefined && ownKeyCount(fast) === ownKeyCount(entry) + 2) {
    record = fast;
    text = JSON.stringify(record);
  } else {
    // A foreign entry (or one changed after it was built): the general serializer orders every field.
    record = { ...(entry as unknown as Record<string, unknown>), seq: head.seq + 1, prevHash: head.hash };
    delete record.hash;
    text = canonicalJson(record);
    record = JSON.parse(text) as Record<string, unknown>;
  }
  const hash = sha256(text);
  record.hash = hash;
  return { record: record as unknown as AuditRecord, line: `${text.slice(0, -1)},"hash":"${hash}"}` };
}

/** The record with its fields in RFC 8785 order (`hash` left out), absent fields left out. */
function ordered(e: AuditEntry, seq: number, prevHash: string): Record<string, unknown> {
  const r: Partial<AuditRecord> = {};
  if (e.actor !== undefined) r.actor = e.actor;
  if (e.approvalId !== undefined) r.approvalId = e.approvalId;
  r.args = e.args;
  if (e.blockedBy !== undefined) r.blockedBy = e.blockedBy;
  r.callId = e.callId;
  if (e.decisions !== undefined) r.decisions = e.decisions;
  if (e.durationMs !== undefined) r.durationMs = e.durationMs;
  if (e.error !== undefined) r.error = e.error;
  r.eventId = e.eventId;
  r.kind = e.kind;
  if (e.message !== undefined) r.message = e.message;
  r.prevHash = prevHash;
  if (e.reason !== undefined) r.reason = e.reason;
  if (e.recordedBy !== undefined) r.recordedBy = e.recordedBy;
  if (e.result !== undefined) r.result = e.result;
  if (e.resumedFrom !== undefined) r.resumedFrom = e.resumedFrom;
  r.seq = seq;
  if (e.session !== undefined) r.session = e.session;
  if (e.status !== undefined) r.status = e.status;
  if (e.tenant !== undefined) r.tenant = e.tenant;
  r.tool = e.tool;
  r.traceId = e.traceId;
  r.ts = e.ts;
  r.v = e.v;
  return r as Record<string, unknown>;
}

function ownKeyCount(o: object): number {
  return Object.keys(o).length;
}

/** Seals an entry as the record after `head`: the next seq, linked by `prevHash`, hashed. See {@link sealRecord}. */
export function seal(entry: AuditEntry, head: ChainHead): AuditRecord {
  return sealRecord(entry, head).record;
}

/**
 * A record as one JSONL line (no newline), as sinks write it: its canonical JSON without `hash`, then `hash`
 * as the last member.
 */
export function recordLine(record: AuditRecord): string {
  const { hash, ...rest } = record;
  return `${canonicalJson(rest).slice(0, -1)},"hash":"${hash}"}`;
}

function sha256(text: string): string {
  return hash('sha256', text, 'hex');
}
