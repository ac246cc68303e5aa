import {
  type AuditEntry,
  type AuditRecord,
  type AuditSink,
  type ChainHead,
  type Checkpoint,
  Checkpointer,
  type CheckpointOptions,
  type CheckpointStats,
  type CheckpointStore,
  GENESIS,
  sealRecord,
} from '@tollgate/audit';
import { COPIED_COLUMNS } from './columns.js';
import { migrate, SCHEMA_VERSION, schemaVersion } from './migrate.js';
import {
  checkout,
  createPool,
  DEFAULT_SCHEMA,
  type PgPool,
  type PgPoolClient,
  type PgQueryResult,
  quoteSchema,
} from './pg.js';
import { type AuditQuery, queryRecords } from './query.js';

/** Options for {@link PostgresSink}: a `pool` you own, or a `connectionString` for a pool the sink owns. */
export interface PostgresSinkOptions {
  /** A `pg.Pool` (or one shaped like it); the sink never ends it. */
  pool?: PgPool;
  /** `postgres://…` for a pool the sink creates and ends on `close()`. */
  connectionString?: string;
  /** The schema holding the audit tables (default `tollgate_audit`). */
  schema?: string;
  /** Run {@link migrate} when the sink opens (default false: migrate at deploy time, `tollgate audit migrate`). */
  migrate?: boolean;
  /** Most records committed in one transaction (default 500). */
  maxBatch?: number;
  /** For an owned pool: ms to wait for a connection before an append fails (default 5000). */
  connectionTimeoutMs?: number;
  /** For an owned pool: ms a query may take before an append fails (default 10000). */
  queryTimeoutMs?: number;
  /**
   * Sign the chain head with Ed25519 every N records, every T ms and at `close()` (see `@tollgate/audit`'s
   * "Signing"): the head committed in PostgreSQL, so with several processes each signs the shared chain. `store`
   * is where the checkpoints go, e.g. `new JsonlCheckpointStore(file)`: somewhere whoever can rewrite the table
   * cannot, so `verifyPostgres({ checkpoints })` can prove records were not cut from the end or recomputed.
   */
  checkpoints?: CheckpointOptions & { store: CheckpointStore };
}

/** What a {@link PostgresSink} committed since it was created: group commit shows as records > transactions. */
export interface PostgresSinkStats {
  /** Transactions that committed records. */
  transactions: number;
  /** Records committed. */
  records: number;
  /** Most records one transaction committed. */
  largestBatch: number;
  /** Transactions that failed (their appends rejected). */
  failed: number;
}

interface Pending {
  entry: AuditEntry;
  resolve(record: AuditRecord): void;
  reject(error: unknown): void;
}

/**
 * An audit sink on PostgreSQL in which every process of a deployment appends to ONE linear hash chain. Each
 * transaction locks the chain-head row (`SELECT … FOR UPDATE`), seals its records after the head it read, inserts
 * them and moves the head, then commits: PostgreSQL orders the writers, so processes never fork the chain, and
 * `seq` (the primary key) never repeats. An append resolves once its record is committed; with a write-ahead
 * `AuditGate` that is before the handler runs. Appends that arrive while a transaction is in flight share the
 * next one (group commit, at most `maxBatch` records).
 *
 * A failed transaction (PostgreSQL down, connection cut) rejects its appends and leaves the chain where it was;
 * the next append reconnects. A write-ahead `AuditGate` turns a rejected intent into core's `UnavailableError`,
 * so by its default `failMode: 'closed'` the call does not run. When a COMMIT's answer is lost, its records may
 * still be in the table: their calls were reported as failed, and the chain stays linear either way.
 */
export class PostgresSink implements AuditSink {
  /** The schema holding the audit tables. */
  readonly schema: string;
  private readonly pool: PgPool;
  private readonly ownsPool: boolean;
  private readonly autoMigrate: boolean;
  private readonly maxBatch: number;
  private readonly lockSql: string;
  private readonly insertSql: string;
  private readonly headSql: string;
  private pending: Pending[] = [];
  private writing: Promise<void> | undefined;
  private opening: Promise<ChainHead> | undefined;
  private closed = false;
  private last: ChainHead = { ...GENESIS };
  private readonly counts: PostgresSinkStats = { transactions: 0, records: 0, largestBatch: 0, failed: 0 };
  private readonly checkpointer: Checkpointer | undefined;

  /** @throws TypeError without exactly one of `pool` and `connectionString`, for a bad schema name or `maxBatch` */
  constructor(options: PostgresSinkOptions) {
    if (!options || (options.pool === undefined) === (options.connectionString === undefined)) {
      throw new TypeError('PostgresSink needs exactly one of `pool` and `connectionString`');
    }
    this.schema = options.schema ?? DEFAULT_SCHEMA;
    const s = quoteSchema(this.schema);
    this.maxBatch = options.maxBatch ?? 500;
    if (!Number.isSafeInteger(this.maxBatch) || this.maxBatch < 1) {
      throw new TypeError('PostgresSink: maxBatch must be a positive integer');
    }
    this.autoMigrate = options.migrate ?? false;
    if (options.pool) {
      this.pool = options.pool;
      this.ownsPool = false;
    } else {
      this.pool = createPool(options.connectionString as string, {
        ...(options.connectionTimeoutMs === undefined ? {} : { connectionTimeoutMs: options.connectionTimeoutMs }),
        ...(options.queryTimeoutMs === undefined ? {} : { queryTimeoutMs: options.queryTimeoutMs }),
      });
      this.ownsPool = true;
    }
    this.headSql = `SELECT seq, hash FROM ${s}.audit_chain_head WHERE id = 1`;
    this.lockSql = `BEGIN; ${this.headSql} FOR UPDATE`;
    const columns = ['seq', ...COPIED_COLUMNS.map(([c]) => c), 'ts', 'record'];
    const types = ['bigint', ...COPIED_COLUMNS.map(() => 'text'), 'timestamptz', 'text'];
    const n = columns.length;
    this.insertSql =
      `WITH inserted AS (INSERT INTO ${s}.audit_records (${columns.join(', ')}) ` +
      `SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})) ` +
      `UPDATE ${s}.audit_chain_head SET seq = $${n + 1}, hash = $${n + 2} WHERE id = 1`;
    this.checkpointer = options.checkpoints
      ? new Checkpointer({ ...options.checkpoints, head: () => this.head() })
      : undefined;
  }

  /**
   * Checks that the schema is migrated (migrating it first with `migrate: true`) and reads the chain head.
   * Appends call it themselves; call it at start-up to find a missing schema before the first call. A failed
   * open is retried by the next append.
   * @throws Error naming `tollgate audit migrate` when the schema is missing or at another version
   */
  open(): Promise<ChainHead> {
    this.opening ??= this.doOpen().catch((err: unknown) => {
      this.opening = undefined;
      throw err;
    });
    return this.opening;
  }

  /** The chain's head as committed in PostgreSQL by every process: the last record's seq and hash. */
  async head(): Promise<ChainHead> {
    const { rows } = await this.pool.query(this.headSql);
    const row = rows[0];
    if (!row) throw new Error(`audit schema "${this.schema}" has no chain head row: run migrate`);
    return { seq: Number(row.seq), hash: String(row.hash) };
  }

  /** The last record this sink committed (seq 0 and the genesis hash before its first commit). */
  get lastRecord(): ChainHead {
    return { ...this.last };
  }

  /** Transactions and records committed so far. */
  stats(): PostgresSinkStats {
    return { ...this.counts };
  }

  /** Records matching `query`, in chain order; see {@link queryRecords}. */
  query(query: AuditQuery = {}): Promise<AuditRecord[]> {
    return queryRecords(this.pool, query, this.schema);
  }

  /** Queues the entry; resolves with the sealed record once its transaction committed (see {@link AuditSink.append}). */
  append(entry: AuditEntry): Promise<AuditRecord> {
    if (this.closed) return Promise.reject(new Error('audit sink is closed'));
    return new Promise<AuditRecord>((resolve, reject) => {
      this.pending.push({ entry, resolve, reject });
      this.writing ??= this.drain();
    });
  }

  /** Resolves once every append so far has committed or failed. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /**
   * Signs the committed head now (with `checkpoints`); resolves with the checkpoint, or `undefined` when there is
   * nothing new to sign or no signing configured. Rejects when signing or the checkpoint store failed.
   */
  checkpoint(): Promise<Checkpoint | undefined> {
    return this.checkpointer?.checkpoint() ?? Promise.resolve(undefined);
  }

  /** What signing did so far (`undefined` without `checkpoints`). */
  checkpointStats(): CheckpointStats | undefined {
    return this.checkpointer?.stats();
  }

  /**
   * Flushes, signs the head a last time (with `checkpoints`), then ends the pool if the sink created it; later
   * appends reject. Closing twice is harmless. Rejects when the last checkpoint could not be stored.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    try {
      await this.checkpointer?.close();
    } finally {
      if (this.ownsPool) await this.pool.end();
    }
  }

  private async doOpen(): Promise<ChainHead> {
    if (this.autoMigrate) await migrate(this.pool, { schema: this.schema });
    const version = await schemaVersion(this.pool, this.schema);
    if (version !== SCHEMA_VERSION) {
      throw new Error(
        `audit schema "${this.schema}" is at version ${version}, this package needs ${SCHEMA_VERSION}: run ` +
          `\`tollgate audit migrate --postgres <url> --schema ${this.schema}\` (or migrate(pool)) first`,
      );
    }
    return this.head();
  }

  /** One transaction at a time per sink; whatever queued meanwhile is the next batch. */
  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) await this.write(this.pending.splice(0, this.maxBatch));
    } finally {
      this.writing = undefined;
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    let client: PgPoolClient | undefined;
    let sealed: Pending[] = batch;
    try {
      await this.open();
      client = await checkout(this.pool);
      const locked = (await client.query(this.lockSql)) as unknown as PgQueryResult[];
      const row = locked[1]?.rows[0];
      if (!row) throw new Error(`audit schema "${this.schema}" has no chain head row: run migrate`);
      let head: ChainHead = { seq: Number(row.seq), hash: String(row.hash) };
      const records: AuditRecord[] = [];
      const lines: string[] = [];
      sealed = [];
      for (const pending of batch) {
        try {
          // An entry with no JSON form fails alone; the rest of the batch goes on.
          const { record, line } = sealRecord(pending.entry, head);
          head = { seq: record.seq, hash: record.hash };
          records.push(record);
          lines.push(line);
          sealed.push(pending);
        } catch (err) {
          pending.reject(err);
        }
      }
      if (records.length === 0) {
        await client.query('ROLLBACK');
      } else {
        await client.query(this.insertSql, [...columnsOf(records, lines), head.seq, head.hash]);
        await client.query('COMMIT');
      }
      client.release();
      client = undefined;
      if (records.length === 0) return;
      this.last = head;
      this.counts.transactions++;
      this.counts.records += records.length;
      this.counts.largestBatch = Math.max(this.counts.largestBatch, records.length);
      this.checkpointer?.advanced(head);
      for (let i = 0; i < sealed.length; i++) sealed[i]!.resolve(records[i]!);
    } catch (err) {
      // The connection's state is unknown (mid-transaction, or gone): destroy it rather than reuse it.
      client?.release(err instanceof Error ? err : true);
      this.counts.failed++;
      const failure = new Error(`PostgreSQL audit write failed: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
      for (const pending of sealed) pending.reject(failure);
    }
  }
}

/** The records as one array per inserted column, in the insert's column order. */
function columnsOf(records: AuditRecord[], lines: string[]): unknown[][] {
  return [
    records.map((r) => r.seq),
    ...COPIED_COLUMNS.map(([, get]) => records.map(get)),
    records.map((r) => r.ts),
    lines,
  ];
}
