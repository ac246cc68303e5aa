import type { AuditKind, AuditRecord } from '@tollgate/audit';
import { DEFAULT_SCHEMA, type PgQueryable, quoteSchema } from './pg.js';

/** Which records {@link queryRecords} returns: every field given must match (AND); all indexed. */
export interface AuditQuery {
  /** A call's records (its intent, outcome and approval records share the call id). */
  callId?: string;
  /** The records of one agent run. */
  traceId?: string;
  /** Calls of this tool. */
  tool?: string;
  /** Calls by this actor. */
  actor?: string;
  /** Calls of this tenant. */
  tenant?: string;
  /** Only `intent`, `outcome` or `approval` records. */
  kind?: AuditKind;
  /** Records whose `ts` is at or after this time (a Date, or ISO 8601). */
  since?: Date | string;
  /** Records whose `ts` is before this time (a Date, or ISO 8601). */
  until?: Date | string;
  /** Only records after this seq: pass the last seq of a page to get the next one. */
  afterSeq?: number;
  /** Most records returned (default 100, at most 10000). */
  limit?: number;
}

const FILTERS = [
  ['callId', 'call_id', '='],
  ['traceId', 'trace_id', '='],
  ['tool', 'tool', '='],
  ['actor', 'actor', '='],
  ['tenant', 'tenant', '='],
  ['kind', 'kind', '='],
  ['since', 'ts', '>='],
  ['until', 'ts', '<'],
  ['afterSeq', 'seq', '>'],
] as const;

/**
 * The records matching `query`, in chain order (by seq), parsed from the lines as sealed. For more than `limit`,
 * page with `afterSeq`.
 * @throws TypeError for a `limit` outside 1..10000 or a negative `afterSeq`; rejects with pg's error
 */
export async function queryRecords(
  db: PgQueryable,
  query: AuditQuery = {},
  schema: string = DEFAULT_SCHEMA,
): Promise<AuditRecord[]> {
  const limit = query.limit ?? 100;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) {
    throw new TypeError('queryRecords: limit must be an integer from 1 to 10000');
  }
  if (query.afterSeq !== undefined && (!Number.isSafeInteger(query.afterSeq) || query.afterSeq < 0)) {
    throw new TypeError('queryRecords: afterSeq must be a non-negative integer');
  }
  const where: string[] = [];
  const values: unknown[] = [];
  for (const [field, column, op] of FILTERS) {
    const value = query[field];
    if (value === undefined) continue;
    values.push(value instanceof Date ? value.toISOString() : value);
    where.push(`${column} ${op} $${values.length}`);
  }
  values.push(limit);
  const { rows } = await db.query(
    `SELECT record FROM ${quoteSchema(schema)}.audit_records` +
      `${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq LIMIT $${values.length}`,
    values,
  );
  return rows.map((r) => JSON.parse(String(r.record)) as AuditRecord);
}
