import { createHash } from 'node:crypto';
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

/** A record's fields in RFC 8785 order (UTF-16 code units), `hash` left out: the order of the hashed text. */
const RECORD_KEYS = [
  'actor',
  'approvalId',
  'args',
  'blockedBy',
  'callId',
  'decisions',
  'durationMs',
  'error',
  'eventId',
  'kind',
  'message',
  'prevHash',
  'reason',
  'result',
  'resumedFrom',
  'seq',
  'session',
  'status',
  'tenant',
  'tool',
  'traceId',
  'ts',
  'v',
] as const;
const KNOWN = new Set<string>(RECORD_KEYS);

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
  const fields = entry as unknown as Record<string, unknown>;
  const record: Record<string, unknown> = {};
  for (const key of RECORD_KEYS) {
    const value = key === 'seq' ? head.seq + 1 : key === 'prevHash' ? head.hash : fields[key];
    if (value !== undefined) record[key] = value;
  }
  let text: string;
  if (isOrderedEntry(entry) && Object.keys(fields).every((k) => KNOWN.has(k))) {
    text = JSON.stringify(record);
  } else {
    // A foreign entry: keep its extra fields too, and let the general serializer order everything.
    for (const key of Object.keys(fields)) if (!KNOWN.has(key) && key !== 'hash') record[key] = fields[key];
    text = canonicalJson(record);
  }
  const hash = sha256(text);
  record.hash = hash;
  return { record: record as unknown as AuditRecord, line: `${text.slice(0, -1)},"hash":"${hash}"}` };
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
  return createHash('sha256').update(text).digest('hex');
}
