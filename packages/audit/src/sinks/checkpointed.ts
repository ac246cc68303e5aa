import type { ChainHead } from '../chain.js';
import type { Checkpoint } from '../checkpoint.js';
import { Checkpointer, type CheckpointOptions, type CheckpointStats, type CheckpointStore } from '../checkpointer.js';
import type { AuditEntry, AuditRecord } from '../record.js';
import type { AuditSink } from './sink.js';

/**
 * Signed checkpoints for any {@link AuditSink}: appends go to `sink`, and the highest record it confirmed is the
 * head that gets signed (a sink confirms a record once it and every record before it are stored). Use it for a
 * sink without its own `checkpoints` option; a sink that can read its chain head from its store (a database)
 * can drive a {@link Checkpointer} itself instead.
 */
export class CheckpointedSink implements AuditSink {
  /** The checkpointer: stats, and `checkpoint()` to sign now. */
  readonly checkpointer: Checkpointer;
  private head: ChainHead = { seq: 0, hash: '' };

  /**
   * @param sink where records go
   * @param options key, cadence, copies, and the `store` checkpoints are written to
   * @throws TypeError as {@link Checkpointer}
   */
  constructor(
    readonly sink: AuditSink,
    options: CheckpointOptions & { store: CheckpointStore },
  ) {
    this.checkpointer = new Checkpointer({ ...options, head: () => this.head });
  }

  /** Appends through the sink; the record it resolves with may become the signed head. */
  async append(entry: AuditEntry): Promise<AuditRecord> {
    const record = await this.sink.append(entry);
    if (record.seq > this.head.seq) this.head = { seq: record.seq, hash: record.hash };
    this.checkpointer.advanced(record);
    return record;
  }

  /** Flushes the sink. */
  flush(): Promise<void> {
    return this.sink.flush();
  }

  /** Signs the head now (see {@link Checkpointer.checkpoint}). */
  checkpoint(): Promise<Checkpoint | undefined> {
    return this.checkpointer.checkpoint();
  }

  /** Checkpoint counts. */
  stats(): CheckpointStats {
    return this.checkpointer.stats();
  }

  /** Closes the sink, then signs its last head and closes the checkpoint stores (no final checkpoint if the sink's close failed). */
  async close(): Promise<void> {
    try {
      await this.sink.close();
    } catch (err) {
      await this.checkpointer.close(false);
      throw err;
    }
    await this.checkpointer.close();
  }
}
