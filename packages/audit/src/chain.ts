import { sha256Canonical } from '@tollgate/core';
import type { AuditEntry, AuditRecord } from './record.js';

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
 */
export function recordHash(record: Omit<AuditRecord, 'hash'> | AuditRecord): string {
  const { hash: _ignored, ...rest } = record as AuditRecord;
  return sha256Canonical(rest);
}

/** Seals an entry as the record after `head`: the next seq, linked by `prevHash`, hashed. */
export function seal(entry: AuditEntry, head: ChainHead): AuditRecord {
  const record = { seq: head.seq + 1, ...entry, prevHash: head.hash } as AuditRecord;
  // Hashed before `hash` is set: the same value recordHash computes, without its two copies of the record.
  record.hash = sha256Canonical(record);
  return record;
}

/** A record as one JSONL line (no newline), `seq` first for readers; `hash` and `prevHash` last. */
export function recordLine(record: AuditRecord): string {
  const { seq, prevHash, hash, ...entry } = record;
  return JSON.stringify({ seq, ...entry, prevHash, hash });
}
