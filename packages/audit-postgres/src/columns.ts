import type { AuditRecord } from '@tollgate/audit';

/**
 * The columns of `audit_records` that copy a record's fields for queries, in table order after `seq`. Verify
 * checks each against the record, so a row whose columns were edited apart from its record is caught.
 */
export const COPIED_COLUMNS = [
  ['hash', (r: AuditRecord) => r.hash],
  ['prev_hash', (r: AuditRecord) => r.prevHash],
  ['kind', (r: AuditRecord) => r.kind],
  ['call_id', (r: AuditRecord) => r.callId],
  ['trace_id', (r: AuditRecord) => r.traceId],
  ['tool', (r: AuditRecord) => r.tool],
  ['actor', (r: AuditRecord) => r.actor ?? null],
  ['tenant', (r: AuditRecord) => r.tenant ?? null],
  ['status', (r: AuditRecord) => r.status ?? null],
] as const;

/** Every column of a row as read back, `ts` as ms since the epoch (whatever type parsers the pool has). */
export function selectColumns(s: string): string {
  return (
    `SELECT seq, ${COPIED_COLUMNS.map(([c]) => c).join(', ')}, ` +
    `round(extract(epoch FROM ts) * 1000)::float8 AS ts_ms, record FROM ${s}.audit_records`
  );
}
