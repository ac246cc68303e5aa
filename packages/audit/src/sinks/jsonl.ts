import { ftruncateSync, writeSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type ChainHead, GENESIS, recordHash } from '../chain.js';
import type { Checkpoint } from '../checkpoint.js';
import { checkpointsPathOf, JsonlCheckpointStore } from '../checkpoint-file.js';
import { Checkpointer, type CheckpointOptions, type CheckpointStats, type CheckpointStore } from '../checkpointer.js';
import type { AuditRecord } from '../record.js';
import { parseRecord, type VerifyFailure, verify } from '../verify.js';
import { ChainedSink } from './sink.js';
import { readTail } from './tail.js';

/**
 * When records reach the disk. Records are written to the file as soon as their turn comes (a synchronous
 * write to the OS, in chain order), and made durable with `fdatasync`; records that arrive while an fdatasync
 * is in flight are written together once it returns and share the next one (group commit).
 * - `'fsync'` (default): every append resolves only once its record is written AND fdatasynced, so a resolved
 *   append survives a crash or power loss.
 * - `{ intents: { maxLagMs } }`: for a write-ahead `AuditGate`. An intent record resolves only once it is
 *   fdatasynced (the handler never runs before its intent is on disk); any other record resolves once written,
 *   and is fdatasynced with the next intent, by `flush()`/`close()`, or at most `maxLagMs` later. One call then
 *   waits for one fdatasync instead of two. A power loss can take the last `maxLagMs` of outcome records; their
 *   intents remain, so such a call reads as cut off mid-flight, never as absent (a blocked call, which has no
 *   intent, can be lost whole). A process crash loses nothing written.
 * - `{ batch: { maxRecords, maxMs } }`: wait until `maxRecords` are queued or `maxMs` passed since the first,
 *   then write and fsync them together: fewer fsyncs, and each append may wait up to `maxMs`. Every append
 *   resolves once durable, as with `'fsync'`.
 */
export type FlushPolicy =
  | 'fsync'
  | { intents: { maxLagMs: number } }
  | { batch: { maxRecords: number; maxMs: number } };

/** Options for {@link JsonlFileSink}. */
export interface JsonlFileSinkOptions {
  /** When records reach the disk (default `'fsync'`). */
  flush?: FlushPolicy;
  /**
   * What to do with a torn last line found at start-up: `'refuse'` (default) fails `open()` and every append
   * with `torn_tail`; `'truncate'` cuts the torn bytes off (they belong to an append that never resolved) and
   * reports how many in `open()`'s result.
   */
  repair?: 'refuse' | 'truncate';
  /** Permission bits for a new file (default `0o600`: audit records are sensitive). */
  fileMode?: number;
  /**
   * What `open()` checks before the chain is continued: `'full'` (default) verifies every record, as `verify`
   * does, so a file damaged anywhere is refused (`chain_broken`); `'tail'` checks only the last record's hash,
   * reading a few KiB however large the file is, and does not see damage before it.
   */
  verifyOnOpen?: 'full' | 'tail';
  /**
   * Sign the chain head with Ed25519 every `everyRecords` records, every `everyMs` ms and at `close()`, so that
   * `verify` with the public key detects records cut off the end and a chain recomputed without the key.
   * Checkpoints go to `store` (default: a {@link JsonlCheckpointStore} at `<path>.checkpoints`) and to `copyTo`.
   * Only records on disk are signed.
   */
  checkpoints?: CheckpointOptions & { store?: CheckpointStore };
}

/** Why a {@link JsonlFileSink} refuses to write. */
export type AuditFileErrorCode =
  | 'chain_broken'
  | 'torn_tail'
  | 'malformed_tail'
  | 'tail_hash_mismatch'
  | 'file_in_use'
  | 'unknown_state';

/** A file sink's refusal to write, with a stable `code`; the chain is never continued over a damaged tail. */
export class AuditFileError extends Error {
  override readonly name = 'AuditFileError';
  /**
   * @param code stable reason
   * @param path absolute path of the file
   * @param message what is wrong and what to do
   * @param failure for `chain_broken`: the first record that failed verification
   */
  constructor(
    readonly code: AuditFileErrorCode,
    readonly path: string,
    message: string,
    readonly failure?: VerifyFailure,
  ) {
    super(`${path}: ${message}`);
  }
}

/** What {@link JsonlFileSink.open} found. */
export interface OpenReport {
  /** The last record's seq and hash: the chain continues from here. */
  head: { seq: number; hash: string };
  /** Bytes of a torn last line that `repair: 'truncate'` removed (0 when none). */
  repairedBytes: number;
}

/** Paths with an open sink in this process: two writers on one file would fork its chain. */
const openPaths = new Set<string>();

/**
 * Appends records as JSON lines to a file, one hash chain per file. On open it reads the file's tail and
 * continues the chain from the last record, after checking that record's hash; a torn last line stops it
 * unless `repair: 'truncate'` is set. One writer per file: a second sink on the same path in this process is
 * refused (`file_in_use`); across processes nothing stops two writers, so never point two at one file.
 */
export class JsonlFileSink extends ChainedSink {
  /** Absolute path of the file. */
  readonly path: string;
  private readonly policy: FlushPolicy;
  private readonly repair: 'refuse' | 'truncate';
  private readonly fileMode: number;
  private readonly verifyOnOpen: 'full' | 'tail';
  private fh: FileHandle | undefined;
  private opening: Promise<OpenReport> | undefined;
  /** Bytes in the file that belong to the chain (written in full). */
  private size = 0;
  /** Bytes known to be on disk: `size` when the last fdatasync started. */
  private durableSize = 0;
  /** The fdatasync in flight, if any. */
  private syncing: Promise<void> | undefined;
  private broken: AuditFileError | undefined;
  /** Batch policy: writes the queue `maxMs` after its first entry. */
  private timer: NodeJS.Timeout | undefined;
  /** Intents policy: fdatasyncs written outcomes at most `maxLagMs` after they were written. */
  private lagTimer: NodeJS.Timeout | undefined;
  private readonly checkpointer: Checkpointer | undefined;

  /**
   * @param path the JSONL file; created (mode `fileMode`) on first open
   * @throws TypeError for batch bounds that are not positive integers / non-negative ms, a negative `maxLagMs`,
   *   or checkpoint options `Checkpointer` refuses (a key that is not Ed25519, a cadence that is not positive)
   */
  constructor(path: string, options: JsonlFileSinkOptions = {}) {
    super();
    this.path = resolve(path);
    this.policy = options.flush ?? 'fsync';
    this.repair = options.repair ?? 'refuse';
    this.fileMode = options.fileMode ?? 0o600;
    this.verifyOnOpen = options.verifyOnOpen ?? 'full';
    if (typeof this.policy === 'object' && 'intents' in this.policy) {
      const { maxLagMs } = this.policy.intents;
      if (!Number.isFinite(maxLagMs) || maxLagMs < 0) {
        throw new TypeError('JsonlFileSink: intents.maxLagMs must be >= 0 (ms)');
      }
    } else if (this.policy !== 'fsync') {
      const { maxRecords, maxMs } = this.policy.batch;
      if (!Number.isSafeInteger(maxRecords) || maxRecords < 1) {
        throw new TypeError('JsonlFileSink: batch.maxRecords must be a positive integer');
      }
      if (!Number.isFinite(maxMs) || maxMs < 0) throw new TypeError('JsonlFileSink: batch.maxMs must be >= 0 (ms)');
      this.batchLimit = maxRecords;
    }
    const checkpoints = options.checkpoints;
    if (checkpoints) {
      const store =
        checkpoints.store ?? new JsonlCheckpointStore(checkpointsPathOf(this.path), { fileMode: this.fileMode });
      this.checkpointer = new Checkpointer({ ...checkpoints, store, head: () => this.storedHead() });
    }
  }

  /**
   * Signs the head now, once it is on disk (needs the `checkpoints` option). Resolves with the checkpoint, or
   * `undefined` when the chain is empty or its head is signed already; rejects when the store failed.
   * @throws TypeError without the `checkpoints` option
   */
  checkpoint(): Promise<Checkpoint | undefined> {
    if (!this.checkpointer) throw new TypeError('JsonlFileSink: checkpoint() needs the checkpoints option');
    return this.checkpointer.checkpoint();
  }

  /** What the checkpointer did (undefined without the `checkpoints` option). */
  checkpointStats(): CheckpointStats | undefined {
    return this.checkpointer?.stats();
  }

  /**
   * Flushes, closes the file, then (with `checkpoints`) signs the last head and closes the checkpoint stores.
   * Rejects when the flush failed (no final checkpoint then: those records may not be on disk) or the final
   * checkpoint could not be stored.
   */
  override async close(): Promise<void> {
    try {
      await super.close();
    } catch (err) {
      await this.checkpointer?.close(false);
      throw err;
    }
    await this.checkpointer?.close();
  }

  /**
   * Opens the file (creating it) and reads where its chain ends. Appends call it themselves; call it at
   * start-up to find a damaged tail before the first call. Rejects with an {@link AuditFileError}
   * (`torn_tail`, `malformed_tail`, `tail_hash_mismatch`, `file_in_use`) or the file system's error; a failed
   * open is retried by the next append.
   */
  open(): Promise<OpenReport> {
    this.opening ??= this.doOpen().catch((err) => {
      this.opening = undefined;
      throw err;
    });
    return this.opening;
  }

  protected override prepare(): void | Promise<void> {
    if (this.broken) throw this.broken;
    if (!this.fh) return this.open().then(() => undefined);
  }

  /** Writes the lines synchronously: a write to the OS's cache, cheaper than a round trip to the thread pool. */
  protected override persist(_records: AuditRecord[], lines: string[]): void {
    const fd = (this.fh as FileHandle).fd;
    const buf = Buffer.from(`${lines.join('\n')}\n`);
    try {
      let done = 0;
      while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done);
      this.size += buf.length;
    } catch (err) {
      // Cut off whatever part of the batch reached the file, so the chain on disk ends where the head does.
      try {
        ftruncateSync(fd, this.size);
      } catch (cause) {
        this.broken = new AuditFileError(
          'unknown_state',
          this.path,
          `a failed write could not be undone (${String(cause)}); verify the file and open a new sink`,
        );
      }
      throw err;
    }
  }

  protected override durable(records: AuditRecord[]) {
    this.checkpointer?.advanced(records[records.length - 1]!);
    const waits = this.intentsOnly() ? (r: AuditRecord) => r.kind === 'intent' : () => true;
    if (records.some(waits)) return { done: this.sync(), waits };
    this.lagTimer ??= setTimeout(
      () => {
        this.lagTimer = undefined;
        // A failure marks the sink broken: the next append reports it.
        this.sync().catch(() => undefined);
      },
      (this.policy as { intents: { maxLagMs: number } }).intents.maxLagMs,
    ).unref();
    return undefined;
  }

  /** Everything written so far is on disk once this resolves; rejects when an fdatasync failed. */
  protected override async settle(): Promise<void> {
    if (this.fh) await this.sync();
  }

  protected override schedule(queued: number): void {
    // While an fdatasync is in flight, entries wait for it and are written together afterwards.
    if (this.syncing) return;
    if (typeof this.policy === 'object' && 'batch' in this.policy && queued < this.policy.batch.maxRecords) {
      this.timer ??= setTimeout(() => this.kick(), this.policy.batch.maxMs);
      return;
    }
    this.kick();
  }

  protected override kick(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    super.kick();
  }

  protected override async release(): Promise<void> {
    clearTimeout(this.timer);
    clearTimeout(this.lagTimer);
    this.timer = this.lagTimer = undefined;
    const fh = this.fh;
    this.fh = undefined;
    if (fh) {
      openPaths.delete(this.path);
      await fh.close();
    }
  }

  /** The head once everything up to it is on disk: what a checkpoint may sign. */
  private async storedHead(): Promise<ChainHead> {
    const head = this.lastRecord;
    if (this.fh) await this.sync();
    return head;
  }

  private intentsOnly(): boolean {
    return typeof this.policy === 'object' && 'intents' in this.policy;
  }

  /** Resolves once every byte written before the call is on disk: one fdatasync serves everyone waiting. */
  private async sync(): Promise<void> {
    const target = this.size;
    while (this.durableSize < target) {
      if (this.broken) throw this.broken;
      this.syncing ??= this.startSync();
      await this.syncing;
    }
  }

  private startSync(): Promise<void> {
    const fh = this.fh as FileHandle;
    const upTo = this.size;
    return fh.datasync().then(
      () => {
        this.durableSize = Math.max(this.durableSize, upTo);
        if (this.durableSize >= this.size) {
          // Everything written is on disk: the lag timer has nothing left to sync.
          clearTimeout(this.lagTimer);
          this.lagTimer = undefined;
        }
        this.syncDone();
      },
      (err: unknown) => {
        this.broken ??= new AuditFileError(
          'unknown_state',
          this.path,
          `fdatasync failed (${String(err)}): records written after byte ${this.durableSize} may not be on ` +
            'disk; verify the file and open a new sink',
        );
        this.syncDone();
        throw err;
      },
    );
  }

  /** The fdatasync returned: entries that waited for it are written now. */
  private syncDone(): void {
    this.syncing = undefined;
    if (this.queuedEntries > 0) this.schedule(this.queuedEntries);
  }

  private async doOpen(): Promise<OpenReport> {
    if (openPaths.has(this.path)) {
      throw new AuditFileError('file_in_use', this.path, 'another audit sink in this process writes this file');
    }
    openPaths.add(this.path);
    let fh: FileHandle | undefined;
    try {
      fh = await open(this.path, 'a+', this.fileMode);
      const report = await this.readHead(fh);
      if ((await fh.stat()).size === 0) await syncDirectory(dirname(this.path));
      this.fh = fh;
      return report;
    } catch (err) {
      openPaths.delete(this.path);
      await fh?.close();
      throw err;
    }
  }

  /**
   * Finds where the chain ends, refusing a file it must not extend: the last complete record is checked first
   * (`malformed_tail`, `tail_hash_mismatch`), then, with `verifyOnOpen: 'full'`, every record (`chain_broken`),
   * and only then is a torn last line refused or, with `repair: 'truncate'`, cut off. Nothing is written to
   * a file that fails a check.
   */
  private async readHead(fh: FileHandle): Promise<OpenReport> {
    const size = (await fh.stat()).size;
    const tail = await readTail(fh, size);
    let head = { ...GENESIS };
    if (tail.lastLine !== undefined) {
      const last = parseRecord(tail.lastLine);
      if (!last) throw new AuditFileError('malformed_tail', this.path, 'the last line is not an audit record');
      if (recordHash(last) !== last.hash) {
        throw new AuditFileError('tail_hash_mismatch', this.path, 'the last record does not match its hash');
      }
      head = { seq: last.seq, hash: last.hash };
    }
    if (this.verifyOnOpen === 'full' && size > 0) {
      const report = await verify(this.path);
      const bad = report.firstBad;
      if (bad && bad.kind !== 'torn_tail') {
        throw new AuditFileError(
          'chain_broken',
          this.path,
          `the chain is broken at line ${bad.line}${bad.seq === undefined ? '' : ` (seq ${bad.seq})`}: ${bad.kind}, ` +
            `${bad.message}. Records after it cannot be trusted, so the file is not extended. Run ` +
            '`tollgate audit verify` on it, move it aside, and start a new file.',
          bad,
        );
      }
    }
    let repairedBytes = 0;
    this.size = size;
    this.durableSize = size;
    if (tail.tornAt !== undefined) {
      const torn = size - tail.tornAt;
      if (this.repair !== 'truncate') {
        throw new AuditFileError(
          'torn_tail',
          this.path,
          `the last line (${torn} bytes at offset ${tail.tornAt}) has no newline: a write was cut short. ` +
            "Run verify, then open with repair: 'truncate' to drop it.",
        );
      }
      await fh.truncate(tail.tornAt);
      await fh.datasync();
      repairedBytes = torn;
      this.size = this.durableSize = tail.tornAt;
    }
    this.head = head;
    return { head: this.lastRecord, repairedBytes };
  }
}

/** Makes a new file's directory entry durable; file systems that cannot fsync a directory are skipped. */
async function syncDirectory(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM') throw err;
  } finally {
    await fh?.close();
  }
}
