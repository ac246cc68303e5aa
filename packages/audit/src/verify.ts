import { createReadStream } from 'node:fs';
import { type ChainHead, GENESIS, recordHash } from './chain.js';
import type { Checkpoint, KeyRing, VerifyingKey } from './checkpoint.js';
import { checkpointsPathOf, readCheckpointLines } from './checkpoint-file.js';
import { type CheckpointFailure, type CheckpointReport, CheckpointTrail } from './checkpoint-trail.js';
import { isHash, parseObjectLine } from './line.js';
import type { AuditRecord } from './record.js';

/**
 * Why a record fails verification:
 * - `malformed_line`: not JSON, or not shaped like a record;
 * - `hash_mismatch`: the record's content does not hash to its `hash` (it was edited);
 * - `seq_gap`: its seq is not the previous one + 1 (a record was deleted, inserted or moved);
 * - `broken_link`: its `prevHash` is not the previous record's `hash` (a record before it was replaced);
 * - `torn_tail`: the file ends in a line without its newline (a write cut short by a crash);
 * - `anchor_mismatch`: the record at the anchor's seq has another hash, or the chain ends before it;
 * - `checkpoint_invalid`: a checkpoint cannot be trusted (not a checkpoint, signed by a key not given, a signature
 *   that does not verify), or there is none to check against;
 * - `checkpoint_mismatch`: the record at a signed checkpoint's seq has another hash: the chain was rewritten (and
 *   recomputed) by someone without the key;
 * - `truncated`: the chain ends before the seq of a signed checkpoint: records were removed from the end.
 */
export type VerifyFailureKind =
  | 'malformed_line'
  | 'hash_mismatch'
  | 'seq_gap'
  | 'broken_link'
  | 'torn_tail'
  | 'anchor_mismatch'
  | 'checkpoint_invalid'
  | 'checkpoint_mismatch'
  | 'truncated';

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
  /** For the `checkpoint_*` kinds and `truncated`: the checkpoint concerned, and its line in the checkpoints. */
  checkpoint?: CheckpointFailure['checkpoint'];
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
  /** With `publicKeys` (and checkpoints that all verified): what the checkpoints proved. */
  checkpoints?: CheckpointReport;
}

/** Options for {@link verify} and {@link verifyRecords}. */
export interface VerifyOptions {
  /**
   * A seq and hash kept outside the file (e.g. the `lastRecord` of a sink, stored elsewhere or signed).
   * Without one, deleting or rewriting the last records of a file is undetectable.
   */
  anchor?: ChainHead;
  /**
   * Public keys whose checkpoints are accepted (several across a key rotation), each a PEM text or `KeyObject`,
   * or `{ id, publicKey }` when its checkpoints name it by an id of your own (default id: its fingerprint,
   * `keyIdOf`). With keys, every checkpoint must verify, the chain must hold each checkpoint's hash at its seq,
   * and it must reach the last checkpoint's seq; at least one checkpoint is required.
   */
  publicKeys?: Iterable<VerifyingKey> | KeyRing;
  /**
   * The checkpoints, as objects or JSONL lines. Required by `verifyRecords` with `publicKeys`; `verify` reads
   * `<file>.checkpoints` when they are not given.
   */
  checkpoints?: Iterable<Checkpoint | string>;
}

/** Parses one JSONL line as a record; `undefined` when it is not JSON or lacks a record's fields. */
export function parseRecord(line: string): AuditRecord | undefined {
  const r = parseObjectLine(line) as Partial<AuditRecord> | undefined;
  if (!r) return undefined;
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

/** Checks records one line at a time, so a file of any size verifies in constant memory. */
class ChainVerifier {
  private head: ChainHead = GENESIS;
  private lines = 0;
  private anchorSeen = false;
  private readonly trail: CheckpointTrail | undefined;
  failure: VerifyFailure | undefined;

  constructor(
    private readonly anchor: ChainHead | undefined,
    signed: ReturnType<typeof CheckpointTrail.open> | undefined,
  ) {
    this.trail = signed?.trail;
    if (signed?.failure) this.failure = { ...signed.failure, line: 0, expectedSeq: 1 };
  }

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
    const mismatch = this.trail?.check(seq, record.hash);
    if (mismatch) return this.fail({ ...at, seq, ...mismatch });
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
    const cut = this.failure ? undefined : this.trail?.end(this.head.seq);
    if (cut) this.fail({ ...cut, line: this.lines + 1, expectedSeq: this.head.seq + 1 });
    const records = this.head.seq;
    const result: VerifyResult = this.failure
      ? { ok: false, records, head: this.head, firstBad: this.failure }
      : { ok: true, records, head: this.head };
    if (this.trail) result.checkpoints = this.trail.report(this.head.seq);
    return result;
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
  const verifier = new ChainVerifier(options.anchor, signedCheckpoints(options, options.checkpoints));
  if (!verifier.failure) for (const line of lines) if (!verifier.push(line)) break;
  return verifier.result();
}

/**
 * The checkpoints' trail, when keys are given.
 * @throws TypeError for checkpoints without public keys, keys without checkpoints, or keys that are not Ed25519
 */
function signedCheckpoints(
  options: VerifyOptions,
  given: Iterable<Checkpoint | string> | undefined,
): ReturnType<typeof CheckpointTrail.open> | undefined {
  if (options.publicKeys === undefined) {
    if (options.checkpoints !== undefined) throw new TypeError('verify: checkpoints need publicKeys to be checked');
    return undefined;
  }
  if (given === undefined) throw new TypeError('verify: publicKeys need the checkpoints to check');
  return CheckpointTrail.open(given, options.publicKeys);
}

/**
 * Verifies a JSONL audit file written by {@link JsonlFileSink}, streaming it, and also reports a torn last
 * line. Linear in the file's size: each line is assembled once from the chunks it spans, so memory is one line
 * plus one read chunk, whatever the file's size. With `publicKeys`, also checks the signed checkpoints (from
 * `options.checkpoints`, or the file `<file>.checkpoints`). Never throws on bad content; rejects with the file
 * system's error when the file (or the checkpoints file) cannot be read, and with a TypeError for unusable keys.
 */
export async function verify(file: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const given =
    options.checkpoints ??
    (options.publicKeys === undefined ? undefined : await readCheckpointLines(checkpointsPathOf(file)));
  const verifier = new ChainVerifier(options.anchor, signedCheckpoints(options, given));
  if (verifier.failure) return verifier.result();
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
