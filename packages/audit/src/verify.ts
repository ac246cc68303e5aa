import { createReadStream } from 'node:fs';
import { type ChainHead, GENESIS, recordHash } from './chain.js';
import type { AuditRecord } from './record.js';

/**
 * Why a record fails verification:
 * - `malformed_line`: not JSON, or not shaped like a record;
 * - `hash_mismatch`: the record's content does not hash to its `hash` (it was edited);
 * - `seq_gap`: its seq is not the previous one + 1 (a record was deleted, inserted or moved);
 * - `broken_link`: its `prevHash` is not the previous record's `hash` (a record before it was replaced);
 * - `torn_tail`: the file ends in a line without its newline (a write cut short by a crash);
 * - `anchor_mismatch`: the record at the anchor's seq has another hash, or the chain ends before it.
 */
export type VerifyFailureKind =
  | 'malformed_line'
  | 'hash_mismatch'
  | 'seq_gap'
  | 'broken_link'
  | 'torn_tail'
  | 'anchor_mismatch';

/** The first record that failed, located by line (1-based) and, when it could be read, by seq. */
export interface VerifyFailure {
  /** What is wrong with it. */
  kind: VerifyFailureKind;
  /** 1-based line number in the file (or index + 1 in the lines given). */
  line: number;
  /** The seq the bad line carries, when it parsed. */
  seq?: number;
  /** The seq the chain expected at this line. */
  expectedSeq: number;
  /** What is wrong, for a human. */
  message: string;
}

/** The outcome of a verification. */
export interface VerifyResult {
  /** True when every record verified (and the anchor, if any, matched). */
  ok: boolean;
  /** Records that verified before the first failure (all of them when `ok`). */
  records: number;
  /** The last record that verified (seq 0 and the genesis hash when none did). */
  head: ChainHead;
  /** The first failure; absent when `ok`. */
  firstBad?: VerifyFailure;
}

/** Options for {@link verify} and {@link verifyRecords}. */
export interface VerifyOptions {
  /**
   * A seq and hash kept outside the file (e.g. the `lastRecord` of a sink, stored elsewhere or signed).
   * Without one, deleting or rewriting the last records of a file is undetectable.
   */
  anchor?: ChainHead;
}

/** Parses one JSONL line as a record; `undefined` when it is not JSON or lacks a record's fields. */
export function parseRecord(line: string): AuditRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const r = value as Partial<AuditRecord>;
  const ok =
    Number.isSafeInteger(r.seq) &&
    (r.seq as number) > 0 &&
    isHash(r.prevHash) &&
    isHash(r.hash) &&
    (r.kind === 'intent' || r.kind === 'outcome' || r.kind === 'approval') &&
    typeof r.callId === 'string' &&
    typeof r.ts === 'string';
  return ok ? (r as AuditRecord) : undefined;
}

function isHash(v: unknown): v is string {
  return typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
}

/** Checks records one line at a time, so a file of any size verifies in constant memory. */
class ChainVerifier {
  private head: ChainHead = GENESIS;
  private lines = 0;
  private anchorSeen = false;
  failure: VerifyFailure | undefined;

  constructor(private readonly anchor: ChainHead | undefined) {}

  /** Checks the next line; returns false once a failure is found. */
  push(line: string): boolean {
    this.lines++;
    const expectedSeq = this.head.seq + 1;
    const at = { line: this.lines, expectedSeq };
    const record = parseRecord(line);
    if (!record) return this.fail({ ...at, kind: 'malformed_line', message: 'not a JSON audit record' });
    const { seq } = record;
    if (recordHash(record) !== record.hash) {
      return this.fail({ ...at, seq, kind: 'hash_mismatch', message: 'content does not match its hash' });
    }
    if (seq !== expectedSeq) {
      return this.fail({ ...at, seq, kind: 'seq_gap', message: `seq ${seq} where ${expectedSeq} was expected` });
    }
    if (record.prevHash !== this.head.hash) {
      return this.fail({ ...at, seq, kind: 'broken_link', message: "prevHash is not the previous record's hash" });
    }
    if (this.anchor && seq === this.anchor.seq) {
      if (record.hash !== this.anchor.hash) {
        return this.fail({ ...at, seq, kind: 'anchor_mismatch', message: 'hash differs from the anchor' });
      }
      this.anchorSeen = true;
    }
    this.head = { seq, hash: record.hash };
    return true;
  }

  /** A line left without its newline at the end of a file. */
  torn(): void {
    if (this.failure) return;
    this.fail({
      kind: 'torn_tail',
      line: this.lines + 1,
      expectedSeq: this.head.seq + 1,
      message: 'the last line has no newline: a write was cut short',
    });
  }

  result(): VerifyResult {
    if (!this.failure && this.anchor && !this.anchorSeen) {
      this.fail({
        kind: 'anchor_mismatch',
        line: this.lines + 1,
        expectedSeq: this.head.seq + 1,
        message: `the chain ends at seq ${this.head.seq}, before the anchor's seq ${this.anchor.seq}: records were removed`,
      });
    }
    const records = this.head.seq;
    return this.failure
      ? { ok: false, records, head: this.head, firstBad: this.failure }
      : { ok: true, records, head: this.head };
  }

  private fail(failure: VerifyFailure): false {
    this.failure = failure;
    return false;
  }
}

/**
 * Verifies records given as lines (no newlines): recomputes each hash, checks that seqs run 1, 2, 3… and that
 * each `prevHash` is the previous hash (the genesis hash for the first). Stops at the first failure.
 */
export function verifyRecords(lines: Iterable<string>, options: VerifyOptions = {}): VerifyResult {
  const verifier = new ChainVerifier(options.anchor);
  for (const line of lines) if (!verifier.push(line)) break;
  return verifier.result();
}

/**
 * Verifies a JSONL audit file written by {@link JsonlFileSink}, streaming it, and also reports a torn last
 * line. Linear in the file's size: each line is assembled once from the chunks it spans, so memory is one line
 * plus one read chunk, whatever the file's size. Never throws on bad content; rejects with the file system's
 * error when the file cannot be read.
 */
export async function verify(file: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const verifier = new ChainVerifier(options.anchor);
  const stream = createReadStream(file);
  try {
    const torn = await forEachLine(stream as AsyncIterable<Buffer>, (line) => verifier.push(line));
    if (torn) verifier.torn();
  } finally {
    stream.destroy();
  }
  return verifier.result();
}

/**
 * Calls `onLine` with each newline-terminated line of `chunks` (decoded as UTF-8, without its newline) until
 * it returns false. Resolves true when bytes are left after the last newline (a torn tail), unless stopped.
 */
export async function forEachLine(chunks: AsyncIterable<Buffer>, onLine: (line: string) => boolean): Promise<boolean> {
  // The pieces of the line being read, joined once its newline arrives (not once per chunk).
  let pieces: Buffer[] = [];
  let pending = 0;
  for await (const chunk of chunks) {
    let start = 0;
    let nl = chunk.indexOf(0x0a);
    while (nl !== -1) {
      const tail = chunk.subarray(start, nl);
      const line = pending === 0 ? tail : Buffer.concat([...pieces, tail], pending + tail.length);
      pieces = [];
      pending = 0;
      if (!onLine(line.toString('utf8'))) return false;
      start = nl + 1;
      nl = chunk.indexOf(0x0a, start);
    }
    if (start < chunk.length) {
      pieces.push(chunk.subarray(start));
      pending += chunk.length - start;
    }
  }
  return pending > 0;
}
