// Records edited, deleted or reordered in the table are detected, streaming, with the first bad row named.
import { describe, expect, it } from 'vitest';
import { PostgresSink, verifyPostgres } from '../src/index.js';
import { auditedRunner, usePostgres } from './helpers.js';

const pg = await usePostgres('tamper');
const CALLS = 15; // 30 records

describe.skipIf(!pg.pool)('verifyPostgres', () => {
  const pool = pg.pool!;

  /** A fresh schema holding a 30-record chain; `sql` runs with `$S` standing for the quoted schema. */
  async function chain() {
    const schema = await pg.schema();
    const sink = new PostgresSink({ pool, schema });
    const runner = auditedRunner(sink);
    for (let i = 0; i < CALLS; i++) await runner.call('pay', { amount: i, to: 'x' }, { callId: `c${i}`, actor: 'ann' });
    await sink.close();
    const sql = (text: string, values?: unknown[]) => pool.query(text.replaceAll('$S', `"${schema}"`), values);
    const verify = (options: Parameters<typeof verifyPostgres>[1] = {}) =>
      verifyPostgres(pool, { schema, pageSize: 4, ...options });
    return { schema, sql, verify };
  }

  it('passes an intact chain, whole or a range, in pages of any size', async () => {
    const { verify } = await chain();
    for (const pageSize of [1, 4, 29, 30, 1000]) {
      expect(await verify({ pageSize })).toMatchObject({ ok: true, records: 30, head: { seq: 30 } });
    }
    expect(await verify({ from: 11, to: 20 })).toMatchObject({ ok: true, records: 10, from: 11, head: { seq: 20 } });
    expect(await verify({ from: 25 })).toMatchObject({ ok: true, records: 6, head: { seq: 30 } });
    await expect(verify({ from: 0 })).rejects.toThrow(TypeError);
    await expect(verify({ from: 5, to: 4 })).rejects.toThrow(TypeError);
  });

  it('names an edited record (hash_mismatch)', async () => {
    const { sql, verify } = await chain();
    await sql(`UPDATE $S.audit_records SET record = replace(record, '"amount":7', '"amount":70') WHERE seq = 15`);
    expect((await verify()).firstBad).toMatchObject({ kind: 'hash_mismatch', seq: 15, expectedSeq: 15 });
    expect(await verify()).toMatchObject({ ok: false, records: 14, head: { seq: 14 } });
    // A range that stops before it passes; one that starts after it is taken up from the bad record and fails.
    expect((await verify({ to: 14 })).ok).toBe(true);
    expect((await verify({ from: 16 })).firstBad).toMatchObject({ kind: 'hash_mismatch', seq: 15 });
  });

  it('names a deleted record (seq_gap) in the middle', async () => {
    const { sql, verify } = await chain();
    await sql('DELETE FROM $S.audit_records WHERE seq = 9');
    expect((await verify()).firstBad).toMatchObject({ kind: 'seq_gap', seq: 10, expectedSeq: 9, recordSeq: 10 });
  });

  it('names records cut off the end, by the head row (head_mismatch) and by an anchor', async () => {
    const { sql, verify } = await chain();
    const full = await verify();
    await sql('DELETE FROM $S.audit_records WHERE seq > 27');
    expect((await verify()).firstBad).toMatchObject({ kind: 'head_mismatch', expectedSeq: 28 });
    // Whoever also rewinds the head row is caught only by a head kept elsewhere.
    await sql('UPDATE $S.audit_chain_head SET seq = 27, hash = (SELECT hash FROM $S.audit_records WHERE seq = 27)');
    expect((await verify()).ok).toBe(true);
    expect((await verify({ anchor: full.head })).firstBad).toMatchObject({ kind: 'anchor_mismatch' });
  });

  it('names reordered records, whether their rows or their seq columns were swapped', async () => {
    const { sql, verify } = await chain();
    // Swap the records of rows 5 and 6, keeping the seq column.
    await sql(
      `UPDATE $S.audit_records r SET record = o.record, hash = o.hash, prev_hash = o.prev_hash, kind = o.kind,
         call_id = o.call_id, ts = o.ts
       FROM $S.audit_records o WHERE (r.seq, o.seq) IN ((5, 6), (6, 5))`,
    );
    expect((await verify()).firstBad).toMatchObject({ kind: 'seq_gap', seq: 5, recordSeq: 6 });

    const other = await chain();
    await other.sql('UPDATE $S.audit_records SET seq = seq + 1000 WHERE seq IN (11, 12)');
    await other.sql('UPDATE $S.audit_records SET seq = CASE seq WHEN 1011 THEN 12 ELSE 11 END WHERE seq > 1000');
    expect((await other.verify()).firstBad).toMatchObject({ kind: 'seq_gap', seq: 11, recordSeq: 12 });
  });

  it('names a relinked record (broken_link) and a column changed apart from its record (column_mismatch)', async () => {
    const { sql, verify } = await chain();
    await sql(`UPDATE $S.audit_records SET actor = 'mallory' WHERE seq = 21`);
    expect((await verify()).firstBad).toMatchObject({
      kind: 'column_mismatch',
      seq: 21,
      message: expect.stringContaining('actor'),
    });
    await sql(`UPDATE $S.audit_records SET actor = 'ann', ts = ts + interval '1 hour' WHERE seq = 21`);
    expect((await verify()).firstBad).toMatchObject({
      kind: 'column_mismatch',
      message: expect.stringContaining('ts'),
    });
    await sql(`UPDATE $S.audit_records SET record = 'not json', ts = ts - interval '1 hour' WHERE seq = 21`);
    expect((await verify()).firstBad).toMatchObject({ kind: 'malformed_record', seq: 21 });
  });

  it('names a record resealed onto another chain (broken_link)', async () => {
    const { sql, verify } = await chain();
    const { rows } = await sql('SELECT record FROM $S.audit_records WHERE seq = 8');
    const { recordHash } = await import('@tollgate/audit');
    const record = JSON.parse(rows[0].record);
    record.prevHash = 'f'.repeat(64);
    record.hash = recordHash(record);
    const { recordLine } = await import('@tollgate/audit');
    await sql('UPDATE $S.audit_records SET record = $1, prev_hash = $2, hash = $3 WHERE seq = 8', [
      recordLine(record),
      record.prevHash,
      record.hash,
    ]);
    expect((await verify()).firstBad).toMatchObject({ kind: 'broken_link', seq: 8 });
  });
});
