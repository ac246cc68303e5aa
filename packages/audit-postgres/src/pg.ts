import pg from 'pg';

/**
 * The few `pg` methods the package calls, as structural types: a `pg.Pool` (or any object shaped like one, of any
 * pg 8 version) fits, and the package's declarations need no `@types/pg`.
 */
export interface PgQueryResult {
  rows: Record<string, unknown>[];
  rowCount: number | null;
}

/** Something that runs a query: a pool or a checked-out client. */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<PgQueryResult>;
}

/** A client checked out of a pool; `release(error)` destroys it instead of returning it. */
export interface PgPoolClient extends PgQueryable {
  release(destroy?: Error | boolean): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** A connection pool (`new pg.Pool(...)`). */
export interface PgPool extends PgQueryable {
  connect(): Promise<PgPoolClient>;
  end(): Promise<void>;
}

/** A `schema` option: a plain lower-case SQL identifier, quoted where it is used. */
export function quoteSchema(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new TypeError(`audit schema must be a lower-case SQL identifier (a-z, 0-9, _), got "${schema}"`);
  }
  return `"${schema}"`;
}

/** The schema every function of this package uses unless told otherwise. */
export const DEFAULT_SCHEMA = 'tollgate_audit';

const guarded = new WeakSet<PgPoolClient>();

/**
 * A client from the pool that cannot crash the process: pg emits 'error' on a checked-out client whose connection
 * drops, and with no listener that is an uncaught exception. Its queries reject with the same error, which is
 * what callers see.
 */
export async function checkout(pool: PgPool): Promise<PgPoolClient> {
  const client = await pool.connect();
  if (!guarded.has(client)) {
    guarded.add(client);
    client.on('error', () => undefined);
  }
  return client;
}

/** Options for {@link createPool}. */
export interface CreatePoolOptions {
  /** Most connections (default 2: a sink writes one transaction at a time). */
  max?: number;
  /** ms to wait for a connection before a query fails (default 5000). */
  connectionTimeoutMs?: number;
  /** ms a query may take before it fails (default 10000). */
  queryTimeoutMs?: number;
}

/**
 * A `pg.Pool` for `connectionString` that survives its server going away: an idle connection that drops is
 * removed (pg emits 'error' on the pool for it, which would otherwise be an uncaught exception) and the next
 * query reconnects. End it with `end()`.
 */
export function createPool(connectionString: string, options: CreatePoolOptions = {}): PgPool {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 2,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
    query_timeout: options.queryTimeoutMs ?? 10_000,
  });
  pool.on('error', () => undefined);
  return pool as unknown as PgPool;
}
