import { type ChainHead, GENESIS, sealRecord } from '../chain.js';
import type { AuditEntry, AuditRecord } from '../record.js';

/**
 * Where audit records go. A sink owns ONE linear hash chain: it assigns seq, `prevHash` and `hash` itself,
 * one record after another, however many calls append at once.
 */
export interface AuditSink {
  /**
   * Seals the entry into the chain and stores it. Resolves with the sealed record once it is stored (for a
   * file: written and fsynced); rejects when it could not be stored, and then the chain does not advance.
   */
  append(entry: AuditEntry): Promise<AuditRecord>;
  /** Resolves once every record appended so far is stored. */
  flush(): Promise<void>;
  /** Flushes, then releases the sink's resources; later appends reject. */
  close(): Promise<void>;
}

interface Pending {
  entry: AuditEntry;
  resolve(record: AuditRecord): void;
  reject(error: unknown): void;
}

/**
 * The chain discipline shared by every sink: appends wait in a queue, and one writer at a time takes the
 * queue, seals it against the current head and persists it. The head only moves once `persist` succeeded,
 * so a failed write never leaves a later record linked to one that was not stored. Entries that arrive
 * while a write is in flight share the next write (group commit). (auditgate, the Python peer, reads its
 * head without a lock, so concurrent appends fork its chain, and a failed append leaves a gap.)
 *
 * A sink whose stored records still need a step to be durable (a file's fsync) overrides {@link durable}: an
 * append that must wait for it resolves once it is done, and the next write does not wait for it.
 */
export abstract class ChainedSink implements AuditSink {
  /** The last stored record's seq and hash. */
  protected head: ChainHead;
  /** Most records sealed into one `persist` call. */
  protected batchLimit = Number.POSITIVE_INFINITY;
  private pending: Pending[] = [];
  private tail: Promise<void> = Promise.resolve();
  private queued = false;
  private closed = false;

  /** @param head where the chain starts (default: empty, genesis); a file sink reads it from its file instead */
  constructor(head: ChainHead = GENESIS) {
    this.head = { ...head };
  }

  /** The last stored record's seq and hash (seq 0 and the genesis hash when nothing was stored). */
  get lastRecord(): ChainHead {
    return { ...this.head };
  }

  /** Queues the entry; resolves with the sealed record once `persist` stored it (see {@link AuditSink.append}). */
  append(entry: AuditEntry): Promise<AuditRecord> {
    if (this.closed) return Promise.reject(new Error('audit sink is closed'));
    return new Promise<AuditRecord>((resolve, reject) => {
      this.pending.push({ entry, resolve, reject });
      this.schedule(this.pending.length);
    });
  }

  /** Writes whatever is queued now and resolves once the queue is empty and what it stored is durable. */
  async flush(): Promise<void> {
    // A turn takes at most `batchLimit` entries, so loop until the queue is empty.
    do {
      this.kick();
      await this.tail;
    } while (this.pending.length > 0);
    await this.settle();
  }

  /** Flushes, then releases resources (also when the flush failed: then it rejects); later appends reject. Closing twice is harmless. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      await this.release();
    }
  }

  /**
   * Stores sealed records, in order; throws (or rejects) if any of them could not be stored. `lines` are the
   * same records as JSONL lines (no newlines), for sinks that write text.
   */
  protected abstract persist(records: AuditRecord[], lines: string[]): void | Promise<void>;

  /** Runs before each write, inside the writer's turn (a file sink opens and reads its tail here). */
  protected prepare(): void | Promise<void> {}

  /**
   * Called once stored records are in the chain. Returns a promise for the step that makes them durable and
   * which of them wait for it (their appends resolve when it does); the others resolve now. Default: none.
   */
  protected durable(_records: AuditRecord[]): { done: Promise<void>; waits(record: AuditRecord): boolean } | undefined {
    return undefined;
  }

  /** Resolves once everything stored so far is durable (default: at once). */
  protected async settle(): Promise<void> {}

  /** Frees resources on close. */
  protected async release(): Promise<void> {}

  /** Decides when queued entries are written; the default writes at once. `queued` counts waiting entries. */
  protected schedule(_queued: number): void {
    this.kick();
  }

  /** Queues one writer turn, unless one is already queued. */
  protected kick(): void {
    if (this.queued) return;
    this.queued = true;
    this.tail = this.tail.then(() => {
      this.queued = false;
      return this.writeTurn();
    });
  }

  /** Entries waiting for a writer turn. */
  protected get queuedEntries(): number {
    return this.pending.length;
  }

  private writeTurn(): void | Promise<void> {
    const batch = this.pending.splice(0, this.batchLimit);
    if (batch.length === 0) return;
    if (this.pending.length > 0) this.kick();
    let ready: void | Promise<void>;
    try {
      ready = this.prepare();
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    if (ready) {
      return ready.then(
        () => this.sealAndStore(batch),
        (err: unknown) => {
          for (const p of batch) p.reject(err);
        },
      );
    }
    return this.sealAndStore(batch);
  }

  private sealAndStore(batch: Pending[]): void | Promise<void> {
    // An entry that cannot be sealed (no JSON form) fails alone; the rest of the batch goes on.
    let head = this.head;
    const records: AuditRecord[] = [];
    const lines: string[] = [];
    const sealed: Pending[] = [];
    for (const pending of batch) {
      try {
        const { record, line } = sealRecord(pending.entry, head);
        head = { seq: record.seq, hash: record.hash };
        records.push(record);
        lines.push(line);
        sealed.push(pending);
      } catch (err) {
        pending.reject(err);
      }
    }
    if (sealed.length === 0) return;
    const stored = () => {
      this.head = head;
      this.confirm(records, sealed);
    };
    const failed = (err: unknown) => {
      for (const pending of sealed) pending.reject(err);
    };
    let written: void | Promise<void>;
    try {
      written = this.persist(records, lines);
    } catch (err) {
      failed(err);
      return;
    }
    if (written) return written.then(stored, failed);
    stored();
  }

  private confirm(records: AuditRecord[], sealed: Pending[]): void {
    const durable = this.durable(records);
    for (let i = 0; i < sealed.length; i++) {
      const record = records[i]!;
      const pending = sealed[i]!;
      if (durable?.waits(record)) {
        durable.done.then(
          () => pending.resolve(record),
          (err: unknown) => pending.reject(err),
        );
      } else pending.resolve(record);
    }
  }
}
