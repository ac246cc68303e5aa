import type { ChainHead } from './chain.js';
import { type Checkpoint, type CheckpointSigner, checkpointSigner, type SigningKey } from './checkpoint.js';

/** Where checkpoints are kept: a file, a table, a webhook. */
export interface CheckpointStore {
  /** Stores one checkpoint; resolves once it is stored (durably, for a file), rejects when it could not be. */
  write(checkpoint: Checkpoint): Promise<void>;
  /** Releases the store's resources; called once, by the checkpointer's `close()`. */
  close?(): Promise<void>;
}

/** A second place checkpoints go: a {@link CheckpointStore}, or a function (post it to a webhook, a log, a table). */
export type CheckpointTarget = CheckpointStore | ((checkpoint: Checkpoint) => void | Promise<void>);

/** Which checkpoint failed to be stored, and where. */
export interface CheckpointFailureInfo {
  /** The checkpoint that was not stored (absent when it could not even be signed). */
  checkpoint?: Checkpoint;
  /** `store` (the main store: the checkpoint is lost) or `copy` (one of `copyTo`, by index). */
  target: 'store' | 'copy';
  /** Index in `copyTo`, for a copy. */
  index?: number;
}

/** When and with which key a sink signs its chain head; what the JSONL sink's `checkpoints` option takes. */
export interface CheckpointOptions {
  /** The Ed25519 key that signs, and its id (default: the key's fingerprint, `keyIdOf`). */
  key: SigningKey;
  /** Sign once this many records were added since the last checkpoint (default 1000). */
  everyRecords?: number;
  /** Also sign every this many ms, when records were added since the last checkpoint (default 60,000; `Infinity`: never). */
  everyMs?: number;
  /**
   * Also send every checkpoint here, after the main store took it: somewhere whoever can rewrite the audit file
   * cannot (another host, a webhook, a table). A failure here is reported to `onError`; the checkpoint stands.
   */
  copyTo?: CheckpointTarget | readonly CheckpointTarget[];
  /** Told of every checkpoint that could not be signed or stored; its own errors are ignored. */
  onError?: (error: unknown, info: CheckpointFailureInfo) => void;
  /** Time source for checkpoints' `ts` (ms since the epoch; default `Date.now`). */
  now?: () => number;
}

/** Options for {@link Checkpointer}. */
export interface CheckpointerOptions extends CheckpointOptions {
  /** Where checkpoints are written. */
  store: CheckpointStore;
  /**
   * The chain head to sign: it must be STORED (for a file: on disk), since a checkpoint past what survives a crash
   * later reads as records removed. A sink's `lastRecord` after its writes are durable.
   */
  head: () => ChainHead | Promise<ChainHead>;
}

/** What a {@link Checkpointer} did since it was created. */
export interface CheckpointStats {
  /** Checkpoints signed and stored. */
  checkpoints: number;
  /** Checkpoints that failed to be signed or stored in the main store, and copies that failed. */
  failures: number;
  /** The seq of the last checkpoint stored (0 when none). */
  lastSeq: number;
  /** The latest failure's message. */
  lastError?: string;
}

/**
 * Signs a chain's head with Ed25519 every `everyRecords` records and every `everyMs` ms, and at close. Any sink
 * can use it: tell it when the chain grew ({@link advanced}) and give it a way to read the stored head. Signing
 * never delays an append: checkpoints are taken in the background, one at a time, in seq order.
 */
export class Checkpointer {
  /** The key id written into every checkpoint. */
  readonly keyId: string;
  private readonly signer: CheckpointSigner;
  private readonly store: CheckpointStore;
  private readonly copies: readonly CheckpointTarget[];
  private readonly everyRecords: number;
  private readonly everyMs: number;
  private readonly head: CheckpointerOptions['head'];
  private readonly onError: CheckpointOptions['onError'];
  private readonly now: () => number;
  private readonly counts: CheckpointStats = { checkpoints: 0, failures: 0, lastSeq: 0 };
  /** Highest seq the sink reported. */
  private seen = 0;
  private due = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private turn: Promise<unknown> = Promise.resolve();

  /** @throws TypeError for a key that is not Ed25519, or `everyRecords`/`everyMs` that are not positive */
  constructor(options: CheckpointerOptions) {
    this.signer = checkpointSigner(options.key);
    this.keyId = this.signer.keyId;
    this.store = options.store;
    const copyTo = options.copyTo;
    this.copies = copyTo === undefined ? [] : Array.isArray(copyTo) ? copyTo : [copyTo as CheckpointTarget];
    this.everyRecords = options.everyRecords ?? 1000;
    this.everyMs = options.everyMs ?? 60_000;
    if (!Number.isSafeInteger(this.everyRecords) || this.everyRecords < 1) {
      throw new TypeError('checkpoints: everyRecords must be a positive integer');
    }
    if (!(this.everyMs > 0)) throw new TypeError('checkpoints: everyMs must be > 0 (ms), or Infinity');
    this.head = options.head;
    this.onError = options.onError;
    this.now = options.now ?? Date.now;
  }

  /** The chain grew to `head` (stored): signs in the background once `everyRecords` were added since the last checkpoint. */
  advanced(head: { seq: number }): void {
    if (this.closed) return;
    if (head.seq > this.seen) this.seen = head.seq;
    if (this.timer === undefined && Number.isFinite(this.everyMs)) {
      this.timer = setInterval(() => {
        if (this.seen > this.counts.lastSeq) this.background();
      }, this.everyMs).unref();
    }
    if (this.seen - this.counts.lastSeq >= this.everyRecords) this.background();
  }

  /**
   * Signs the stored head now and writes the checkpoint (then its copies). Resolves with it, or `undefined` when
   * the chain is empty or its head is signed already; rejects when signing or the main store failed.
   */
  checkpoint(): Promise<Checkpoint | undefined> {
    const run = this.turn.then(() => this.signNow());
    this.turn = run.catch(() => undefined);
    return run;
  }

  /** Counts so far. */
  stats(): CheckpointStats {
    return { ...this.counts };
  }

  /**
   * Stops the timer, signs the head a last time (unless `final` is false: a sink whose last writes failed must not
   * vouch for them), and closes the stores. Rejects when the last checkpoint could not be stored. Idempotent.
   */
  async close(final = true): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.timer = undefined;
    try {
      if (final) await this.checkpoint();
      else await this.turn;
    } finally {
      for (const target of [this.store, ...this.copies]) {
        if (typeof target !== 'function') await target.close?.().catch(() => undefined);
      }
    }
  }

  private background(): void {
    if (this.due) return;
    this.due = true;
    // Failures are counted and reported inside; nobody waits for this one.
    this.checkpoint().catch(() => undefined);
  }

  private async signNow(): Promise<Checkpoint | undefined> {
    this.due = false;
    let checkpoint: Checkpoint | undefined;
    try {
      const head = await this.head();
      if (head.seq < 1 || head.seq <= this.counts.lastSeq) return undefined;
      checkpoint = this.signer.sign(head, this.now());
      await this.store.write(checkpoint);
    } catch (err) {
      this.fail(err, checkpoint === undefined ? { target: 'store' } : { checkpoint, target: 'store' });
      throw err;
    }
    this.counts.checkpoints++;
    this.counts.lastSeq = checkpoint.seq;
    await Promise.all(
      this.copies.map(async (target, index) => {
        try {
          await (typeof target === 'function' ? target(checkpoint) : target.write(checkpoint));
        } catch (err) {
          this.fail(err, { checkpoint, target: 'copy', index });
        }
      }),
    );
    return checkpoint;
  }

  private fail(err: unknown, info: CheckpointFailureInfo): void {
    this.counts.failures++;
    this.counts.lastError = err instanceof Error ? err.message : String(err);
    try {
      this.onError?.(err, info);
    } catch {
      // The callback's own failure must not turn a failed checkpoint into a crash.
    }
  }
}
