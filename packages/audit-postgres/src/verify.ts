import {
  type AuditRecord,
  type ChainHead,
  type Checkpoint,
  type CheckpointReport,
  CheckpointTrail,
  GENESIS,
  type KeyRing,
  parseRecord,
  recordHash,
  type VerifyingKey,
} from '@tollgate/audit';
import { COPIED_COLUMNS, selectColumns } from './columns.js';
import { DEFAULT_SCHEMA, type PgQueryable, quoteSchema } from './pg.js';

/**
 * Why a row fails verification (the file verifier's kinds, plus two a table adds):
 * - `malformed_record`: its `record` is not a JSON audit record;
 * - `hash_mismatch`: the record does not hash to its `hash` (it was edited);
 * - `seq_gap`: its seq is not the previous one + 1 (a row was deleted, inserted or moved);
 * - `broken_link`: its `prevHash` is not the previous record's `hash`;
 * - `column_mismatch`: a query column (seq, tool, actor, ts…) says something else than the record;
 * - `head_mismatch`: the chain-head row names another last record (rows were removed from the end);
 * - `anchor_mismatch`: the record at the anchor's seq has another hash, or the chain ends before it;
 * - with `checkpoints`, `@tollgate/audit`'s `checkpoint_invalid` (a checkpoint not signed by a key given, or none),
 *   `checkpoint_mismatch` (the chain was recomputed) and `truncated` (rows cut from the end, head row included).
 */
export type PostgresVerifyFailureKind =
  | 'malformed_record'
  | 'hash_mismatch'
  | 'seq_gap'
  | 'broken_link'
  | 'column_mismatch'
  | 'head_mismatch'
  | 'anchor_mismatch'
  | 'checkpoint_invalid'
  | 'checkpoint_mismatch'
  | 'truncated';

/** The first bad row. */
export interface PostgresVerifyFailure {
  kind: PostgresVerifyFailureKind;
  /** The row's `seq` column (for a missing row or the head: the seq expected). */
  seq: number;
  /** The seq the chain expected here. */
  expectedSeq: number;
  /** The seq inside the row's record, when it parsed. */
  recordSeq?: number;
  /** What is wrong, for a human. */
  message: string;
}

/** What {@link verifyPostgres} found. */
export interface PostgresVerifyResult {
  /** True when every row in the range verified (and the head row and anchor, if checked, matched). */
  ok: boolean;
  /** Rows that verified before the first failure. */
  records: number;
  /** The first seq checked. */
  from: number;
  /** The last record that verified (for a range: the record before it when none did). */
  head: ChainHead;
  /** The chain-head row, when the whole chain was checked. */
  chainHead?: ChainHead;
  /** The first failure; absent when `ok`. */
  firstBad?: PostgresVerifyFailure;
  /** With `checkpoints` and no failure: what the signatures prove. */
  checkpoints?: CheckpointReport;
}

/** Options for {@link verifyPostgres}. */
export interface PostgresVerifyOptions {
  /** Schema of the audit tables (default `tollgate_audit`). */
  schema?: string;
  /** First seq to check (default 1). From a later seq, the chain is taken up from the record before it. */
  from?: number;
  /** Last seq to check (default: the end of the chain, and then the head row is checked too). */
  to?: number;
  /** A seq and hash kept elsewhere (e.g. a signed checkpoint): that record must exist with that hash. */
  anchor?: ChainHead;
  /** Rows read per query (default 1000): memory is one page, whatever the chain's length. */
  pageSize?: number;
  /**
   * The chain's signed checkpoints (objects or JSONL lines, e.g. `readCheckpointLines(file)`) and the public keys
   * whose signatures are accepted: detects rows removed from the end and a chain recomputed without the key,
   * which the bare chain cannot (see `@tollgate/audit`'s "Signing").
   */
  checkpoints?: { checkpoints: Iterable<Checkpoint | string>; publicKeys: Iterable<VerifyingKey> | KeyRing };
}

/**
 * Verifies the chain in PostgreSQL, streaming it in pages by seq (keyset pagination, never all rows at once):
 * recomputes every record's hash, checks seq order and links, that the query columns agree with the record and,
 * for the whole chain, that the head row names the last record. Stops at the first bad row. Never throws on bad
 * content; rejects with pg's error when the table cannot be read.
 * @throws TypeError for a `from`/`to`/`pageSize` that is not a positive integer, or `to` < `from`
 */
export async function verifyPostgres(
  db: PgQueryable,
  options: PostgresVerifyOptions = {},
): Promise<PostgresVerifyResult> {
  const s = quoteSchema(options.schema ?? DEFAULT_SCHEMA);
  const from = options.from ?? 1;
  const pageSize = options.pageSize ?? 1000;
  for (const [name, v] of [
    ['from', from],
    ['to', options.to ?? 1],
    ['pageSize', pageSize],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new TypeError(`verifyPostgres: ${name} must be a positive integer`);
  }
  if (options.to !== undefined && options.to < from) throw new TypeError('verifyPostgres: to must be >= from');
  const to = options.to ?? Number.MAX_SAFE_INTEGER;
  let head: ChainHead = { ...GENESIS };
  let records = 0;
  const result = (firstBad?: PostgresVerifyFailure, chainHead?: ChainHead): PostgresVerifyResult => ({
    ok: firstBad === undefined,
    records,
    from,
    head,
    ...(chainHead ? { chainHead } : {}),
    ...(firstBad ? { firstBad } : {}),
  });
  const select = selectColumns(s);
  let trail: CheckpointTrail | undefined;
  if (options.checkpoints) {
    const opened = CheckpointTrail.open(options.checkpoints.checkpoints, options.checkpoints.publicKeys);
    if (opened.failure) return result(signed(opened.failure, from));
    trail = opened.trail;
  }

  if (from > 1) {
    // The range hangs on the record before it: its own hash must hold, its link is outside the range.
    const { rows } = await db.query(`${select} WHERE seq = $1`, [from - 1]);
    const record = rows[0] ? parseRecord(String(rows[0].record)) : undefined;
    const at = { seq: from - 1, expectedSeq: from - 1 };
    if (!rows[0]) return result({ ...at, kind: 'seq_gap', message: `no row with seq ${from - 1} before the range` });
    if (!record) return result({ ...at, kind: 'malformed_record', message: 'not a JSON audit record' });
    if (recordHash(record) !== record.hash) {
      return result({ ...at, kind: 'hash_mismatch', message: 'content does not match its hash' });
    }
    head = { seq: record.seq, hash: record.hash };
  }

  let anchorSeen = false;
  let after = from - 1;
  for (;;) {
    const { rows } = await db.query(`${select} WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3`, [
      after,
      to,
      pageSize,
    ]);
    for (const row of rows) {
      const failure = checkRow(row, head);
      if (failure) return result(failure);
      head = { seq: Number(row.seq), hash: String(row.hash) };
      const mismatch = trail?.check(head.seq, head.hash);
      if (mismatch) return result(signed(mismatch, head.seq));
      records++;
      if (options.anchor && head.seq === options.anchor.seq) {
        if (head.hash !== options.anchor.hash) {
          return result({ ...at(head.seq), kind: 'anchor_mismatch', message: 'hash differs from the anchor' });
        }
        anchorSeen = true;
      }
    }
    if (rows.length < pageSize) break;
    after = Number(rows[rows.length - 1]!.seq);
  }

  const { rows } = await db.query(`SELECT seq, hash FROM ${s}.audit_chain_head WHERE id = 1`);
  const chainHead = rows[0] ? { seq: Number(rows[0].seq), hash: String(rows[0].hash) } : undefined;
  const end = options.to === undefined ? undefined : chainHead ? Math.min(options.to, chainHead.seq) : options.to;
  if (end !== undefined && head.seq < end) {
    return result({ ...at(head.seq + 1), kind: 'seq_gap', message: `the range ends at seq ${head.seq}, not ${end}` });
  }
  if (options.anchor && !anchorSeen && options.anchor.seq <= to) {
    return result({
      ...at(head.seq + 1),
      kind: 'anchor_mismatch',
      message: `the chain ends at seq ${head.seq}, before the anchor's seq ${options.anchor.seq}: records were removed`,
    });
  }
  if (trail && options.to === undefined) {
    // Rows cut from the end with the head row moved back still verify as a chain; a later signed seq does not.
    const truncated = trail.end(head.seq);
    if (truncated) return result(signed(truncated, head.seq + 1), chainHead);
  }
  const report = trail?.report(head.seq);
  if (options.to !== undefined) return { ...result(undefined, chainHead), ...(report ? { checkpoints: report } : {}) };
  if (!chainHead || chainHead.seq !== head.seq || chainHead.hash !== head.hash) {
    return result(
      {
        ...at(head.seq + 1),
        kind: 'head_mismatch',
        message: chainHead
          ? `the chain-head row names seq ${chainHead.seq} ${chainHead.hash.slice(0, 12)}…, but the chain ends at seq ${head.seq}`
          : 'the chain-head row is missing',
      },
      chainHead,
    );
  }
  return { ...result(undefined, chainHead), ...(report ? { checkpoints: report } : {}) };
}

/** A checkpoint failure as a row failure at `seq`. */
function signed(failure: { kind: PostgresVerifyFailureKind; message: string }, seq: number): PostgresVerifyFailure {
  return { kind: failure.kind, seq, expectedSeq: seq, message: failure.message };
}

function at(seq: number) {
  return { seq, expectedSeq: seq };
}

/** The failure of one row after `prev`, or undefined when it continues the chain. */
function checkRow(row: Record<string, unknown>, prev: ChainHead): PostgresVerifyFailure | undefined {
  const seq = Number(row.seq);
  const expectedSeq = prev.seq + 1;
  const record = parseRecord(String(row.record));
  if (!record) return { kind: 'malformed_record', seq, expectedSeq, message: 'not a JSON audit record' };
  const bad = (kind: PostgresVerifyFailureKind, message: string) => ({
    kind,
    seq,
    expectedSeq,
    recordSeq: record.seq,
    message,
  });
  if (recordHash(record) !== record.hash) return bad('hash_mismatch', 'content does not match its hash');
  if (record.seq !== expectedSeq) return bad('seq_gap', `record seq ${record.seq} where ${expectedSeq} was expected`);
  if (record.prevHash !== prev.hash) return bad('broken_link', "prevHash is not the previous record's hash");
  const column = mismatchedColumn(row, record);
  if (column) return bad('column_mismatch', `column ${column} does not match the record`);
  return undefined;
}

function mismatchedColumn(row: Record<string, unknown>, record: AuditRecord): string | undefined {
  if (Number(row.seq) !== record.seq) return 'seq';
  for (const [column, get] of COPIED_COLUMNS) if ((row[column] ?? null) !== get(record)) return column;
  if (Number(row.ts_ms) !== Date.parse(record.ts)) return 'ts';
  return undefined;
}
