import { checkout, DEFAULT_SCHEMA, type PgPool, quoteSchema } from './pg.js';

/** One step of the schema, applied once, in order, and recorded in `<schema>.tollgate_migrations`. */
interface Migration {
  version: number;
  name: string;
  sql(schema: string): string;
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'audit records, chain head, query indexes',
    // `record` holds the record's JSONL line exactly as sealed; the other columns copy fields for queries and
    // indexes, and verify checks that they agree with it. The head row is what appends lock.
    sql: (s) => `
      CREATE TABLE ${s}.audit_records (
        seq bigint PRIMARY KEY CHECK (seq > 0),
        hash text NOT NULL,
        prev_hash text NOT NULL,
        kind text NOT NULL,
        call_id text NOT NULL,
        trace_id text NOT NULL,
        tool text NOT NULL,
        actor text,
        tenant text,
        status text,
        ts timestamptz NOT NULL,
        record text NOT NULL
      );
      CREATE INDEX audit_records_call_id ON ${s}.audit_records (call_id);
      CREATE INDEX audit_records_trace_id ON ${s}.audit_records (trace_id);
      CREATE INDEX audit_records_tool_ts ON ${s}.audit_records (tool, ts);
      CREATE INDEX audit_records_actor_ts ON ${s}.audit_records (actor, ts);
      CREATE INDEX audit_records_ts ON ${s}.audit_records (ts);
      CREATE TABLE ${s}.audit_chain_head (
        id smallint PRIMARY KEY CHECK (id = 1),
        seq bigint NOT NULL,
        hash text NOT NULL
      );
      INSERT INTO ${s}.audit_chain_head (id, seq, hash) VALUES (1, 0, repeat('0', 64));
    `,
  },
];

/** The schema version this package writes and reads: the last migration's. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Options for {@link migrate}. */
export interface MigrateOptions {
  /** The PostgreSQL schema holding the audit tables (default `tollgate_audit`); created when missing. */
  schema?: string;
}

/** What {@link migrate} did. */
export interface MigrateReport {
  /** The schema's version after the run ({@link SCHEMA_VERSION}). */
  version: number;
  /** The migrations this run applied (empty when the schema was current). */
  applied: number[];
}

/**
 * Creates or upgrades the audit tables in `schema`, in one transaction: each migration the schema lacks is applied
 * in order and recorded in `<schema>.tollgate_migrations`. Safe to run from several processes at once (they
 * serialize on an advisory lock) and to run again (it then applies nothing).
 * @throws TypeError for a schema that is not a plain identifier; rejects with pg's error when PostgreSQL refuses
 * @throws Error when the schema is newer than this package (a later version migrated it)
 */
export async function migrate(pool: PgPool, options: MigrateOptions = {}): Promise<MigrateReport> {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const s = quoteSchema(schema);
  const client = await checkout(pool);
  let failed: unknown;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`tollgate-audit-migrate:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${s}.tollgate_migrations (
        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query(`SELECT version FROM ${s}.tollgate_migrations`);
    const done = new Set(rows.map((r) => Number(r.version)));
    const newest = Math.max(0, ...done);
    if (newest > SCHEMA_VERSION) {
      throw new Error(`audit schema ${schema} is at version ${newest}, newer than this package's ${SCHEMA_VERSION}`);
    }
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await client.query(m.sql(s));
      await client.query(`INSERT INTO ${s}.tollgate_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    return { version: SCHEMA_VERSION, applied };
  } catch (err) {
    failed = err;
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release(failed instanceof Error ? failed : undefined);
  }
}

/**
 * The schema's version (0 when it has no migrations table).
 * @throws Error when PostgreSQL cannot be reached
 */
export async function schemaVersion(db: Pick<PgPool, 'query'>, schema: string = DEFAULT_SCHEMA): Promise<number> {
  const s = quoteSchema(schema);
  const exists = await db.query('SELECT to_regclass($1) AS t', [`${s}.tollgate_migrations`]);
  if (exists.rows[0]?.t === null) return 0;
  const { rows } = await db.query(`SELECT coalesce(max(version), 0) AS v FROM ${s}.tollgate_migrations`);
  return Number(rows[0]?.v ?? 0);
}
