// Signed checkpoints on the PostgreSQL chain: rows cut from the end with the head row rewound, and a chain
// recomputed without the key, verify as a bare chain but fail against the checkpoints; a wrong key is refused.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AuditEntry,
  type AuditRecord,
  type ChainHead,
  JsonlCheckpointStore,
  parseRecord,
  readCheckpointLines,
  sealRecord,
} from '@tollgate/audit';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresSink, verifyPostgres } from '../src/index.js';
import { auditedRunner, usePostgres } from './helpers.js';

const pg = await usePostgres('signing');
const dir = await mkdtemp(join(tmpdir(), 'tollgate-pg-signing-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}
const key = keyPair();

describe.skipIf(!pg.pool)('PostgresSink checkpoints', () => {
  const pool = pg.pool!;

  /** A 20-record chain signed every 6 records and at close; `sql` runs with `$S` for the quoted schema. */
  async function signedChain() {
    const schema = await pg.schema();
    const file = join(dir, `${schema}.checkpoints`);
    const sink = new PostgresSink({
      pool,
      schema,
      checkpoints: { key: { privateKey: key.privateKey }, everyRecords: 6, store: new JsonlCheckpointStore(file) },
    });
    const runner = auditedRunner(sink);
    for (let i = 0; i < 10; i++) await runner.call('pay', { amount: i, to: 'x' }, { callId: `c${i}`, actor: 'ann' });
    await sink.close();
    const sql = (text: string, values?: unknown[]) => pool.query(text.replaceAll('$S', `"${schema}"`), values);
    const verify = async (publicKey?: string) =>
      verifyPostgres(pool, {
        schema,
        ...(publicKey
          ? { checkpoints: { checkpoints: await readCheckpointLines(file), publicKeys: [publicKey] } }
          : {}),
      });
    return { sink, sql, verify };
  }

  it('signs the committed head, at least at close, and verifies against it', async () => {
    const { sink, verify } = await signedChain();
    expect(sink.checkpointStats()).toMatchObject({ failures: 0, lastSeq: 20 });
    expect(sink.checkpointStats()!.checkpoints).toBeGreaterThanOrEqual(1);
    const result = await verify(key.publicKey);
    expect(result).toMatchObject({ ok: true, records: 20, checkpoints: { lastSeq: 20, unsigned: 0 } });
  });

  it('detects rows cut from the end with the head row rewound, only with the key', async () => {
    const { sql, verify } = await signedChain();
    await sql('DELETE FROM $S.audit_records WHERE seq > 17');
    await sql('UPDATE $S.audit_chain_head SET seq = 17, hash = (SELECT hash FROM $S.audit_records WHERE seq = 17)');
    expect((await verify()).ok).toBe(true);
    expect((await verify(key.publicKey)).firstBad).toMatchObject({ kind: 'truncated', seq: 18 });
  });

  it('detects a chain recomputed without the key, only with the key', async () => {
    const { sql, verify } = await signedChain();
    // Rewrite record 3 (its tool) and reseal every record after it, as someone with table access but no key can.
    const { rows } = await sql('SELECT record FROM $S.audit_records WHERE seq >= 3 ORDER BY seq');
    const before = await sql('SELECT hash FROM $S.audit_records WHERE seq = 2');
    let head: ChainHead = { seq: 2, hash: String(before.rows[0]!.hash) };
    for (const row of rows) {
      const { seq: _seq, prevHash: _prev, hash: _hash, ...rest } = parseRecord(String(row.record)) as AuditRecord;
      if (head.seq === 2) (rest as { tool: string }).tool = 'refund';
      const { record, line } = sealRecord(rest as AuditEntry, head);
      head = { seq: record.seq, hash: record.hash };
      await sql('UPDATE $S.audit_records SET record = $1, hash = $2, prev_hash = $3, tool = $4 WHERE seq = $5', [
        line,
        record.hash,
        record.prevHash,
        record.tool,
        record.seq,
      ]);
    }
    await sql('UPDATE $S.audit_chain_head SET seq = $1, hash = $2', [head.seq, head.hash]);
    expect((await verify()).ok).toBe(true);
    const signed = await verify(key.publicKey);
    expect(signed.firstBad).toMatchObject({ kind: 'checkpoint_mismatch' });
    expect(signed.firstBad!.seq).toBeGreaterThanOrEqual(3);
  });

  it('refuses checkpoints signed by another key', async () => {
    const { verify } = await signedChain();
    expect((await verify(keyPair().publicKey)).firstBad).toMatchObject({ kind: 'checkpoint_invalid' });
  });
});
