import { AuditGate, GENESIS_HASH, MemorySink } from '@tollgate/audit';
import { GatedToolRunner } from '@tollgate/core';
import { describe, expect, it } from 'vitest';
import { migrate, PostgresSink, queryRecords, SCHEMA_VERSION, schemaVersion, verifyPostgres } from '../src/index.js';
import { auditedRunner, usePostgres } from './helpers.js';

const pg = await usePostgres('sink');

describe.skipIf(!pg.pool)('PostgresSink', () => {
  const pool = pg.pool!;

  it('migrate creates the schema once, and a second run applies nothing', async () => {
    const schema = await pg.schema();
    expect(await schemaVersion(pool, schema)).toBe(SCHEMA_VERSION);
    expect(await migrate(pool, { schema })).toEqual({ version: SCHEMA_VERSION, applied: [] });
    const { rows } = await pool.query(`SELECT seq, hash FROM "${schema}".audit_chain_head`);
    expect(rows).toEqual([{ seq: '0', hash: GENESIS_HASH }]);
  });

  it('concurrent migrations from several pools serialize', async () => {
    const schema = `${await pg.schema()}_x`;
    const reports = await Promise.all([1, 2, 3].map(() => migrate(pool, { schema })));
    expect(reports.map((r) => r.applied.length).sort()).toEqual([0, 0, 1]);
    await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
  });

  it('refuses an unmigrated schema with the command to run, and fails the call closed', async () => {
    const sink = new PostgresSink({ pool, schema: 'tg_never_migrated' });
    await expect(sink.open()).rejects.toThrow(/version 0.*tollgate audit migrate/);
    let ran = 0;
    const result = await auditedRunner(sink, () => {
      ran++;
    }).call('pay', { amount: 1, to: 'x' });
    expect(result).toMatchObject({ status: 'blocked', reason: 'store_unavailable' });
    expect(ran).toBe(0);
    await sink.close();
  });

  it('writes the same records a MemorySink seals, intent before the handler and outcome after', async () => {
    const schema = await pg.schema();
    const sink = new PostgresSink({ pool, schema });
    const seen: number[] = [];
    const runner = auditedRunner(sink, async (callId) => {
      const rows = await queryRecords(pool, { callId }, schema);
      seen.push(rows.length);
      expect(rows.map((r) => r.kind)).toEqual(['intent']);
    });
    const ctx = { actor: 'emma', tenant: 'acme', traceId: 'trace-1' };
    await runner.call('pay', { amount: 5, to: 'bob' }, { ...ctx, callId: 'c1' });
    await runner.call('pay', { amount: 'five', to: 'bob' }, { ...ctx, callId: 'c2' });
    expect(seen).toEqual([1]);
    const records = await sink.query();
    expect(records.map((r) => [r.seq, r.kind, r.callId])).toEqual([
      [1, 'intent', 'c1'],
      [2, 'outcome', 'c1'],
      [3, 'outcome', 'c2'],
    ]);
    expect(records[0]!.prevHash).toBe(GENESIS_HASH);
    // The same entries sealed in memory give the same hashes: the table holds the chain a file would.
    const memory = new MemorySink();
    for (const r of records) {
      const { seq: _s, prevHash: _p, hash: _h, ...entry } = r;
      await memory.append(entry);
    }
    expect(memory.records.map((r) => r.hash)).toEqual(records.map((r) => r.hash));
    expect(await sink.head()).toEqual({ seq: 3, hash: records[2]!.hash });
    expect(sink.lastRecord).toEqual({ seq: 3, hash: records[2]!.hash });
    expect(await verifyPostgres(pool, { schema })).toMatchObject({ ok: true, records: 3 });
    await sink.close();
  });

  it('answers queries by call id, trace id, tool, actor, kind and time, paged by seq', async () => {
    const schema = await pg.schema();
    const sink = new PostgresSink({ pool, schema });
    let now = Date.UTC(2026, 0, 1);
    const runner = new GatedToolRunner({
      gates: [new AuditGate({ sink, writeAhead: true })],
      clock: { now: () => now },
      tools: [
        { name: 'pay', parameters: { type: 'object' }, handler: () => 'paid' },
        { name: 'read', parameters: { type: 'object' }, handler: () => 'read' },
      ],
    });
    for (let i = 0; i < 10; i++) {
      now += 60_000;
      await runner.call(
        i % 2 ? 'pay' : 'read',
        {},
        { callId: `q${i}`, actor: i < 5 ? 'ann' : 'bo', traceId: `t${i % 3}` },
      );
    }
    const q = (query: Parameters<typeof queryRecords>[1]) => queryRecords(pool, query, schema);
    expect((await q({ callId: 'q3' })).map((r) => r.kind)).toEqual(['intent', 'outcome']);
    expect(new Set((await q({ traceId: 't1' })).map((r) => r.callId))).toEqual(new Set(['q1', 'q4', 'q7']));
    expect((await q({ tool: 'pay', kind: 'outcome' })).map((r) => r.callId)).toEqual(['q1', 'q3', 'q5', 'q7', 'q9']);
    expect((await q({ actor: 'bo', tool: 'read', kind: 'intent' })).map((r) => r.callId)).toEqual(['q6', 'q8']);
    const since = new Date(Date.UTC(2026, 0, 1) + 3 * 60_000);
    const until = new Date(Date.UTC(2026, 0, 1) + 5 * 60_000).toISOString();
    expect((await q({ since, until, kind: 'outcome' })).map((r) => r.callId)).toEqual(['q2', 'q3']);
    const first = await q({ limit: 7 });
    const next = await q({ afterSeq: first[first.length - 1]!.seq, limit: 100 });
    expect([...first, ...next].map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    await expect(q({ limit: 0 })).rejects.toThrow(TypeError);
    await sink.close();
  });

  it('commits concurrent appends together (group commit) on one linear chain', async () => {
    const schema = await pg.schema();
    const sink = new PostgresSink({ pool, schema, maxBatch: 64 });
    const runner = auditedRunner(sink);
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => runner.call('pay', { amount: i, to: 'x' }, { callId: `g${i}` })),
    );
    expect(results.every((r) => r.status === 'executed')).toBe(true);
    await sink.flush();
    const stats = sink.stats();
    expect(stats.records).toBe(600);
    expect(stats.transactions).toBeLessThan(300);
    expect(stats.largestBatch).toBeGreaterThan(1);
    expect(stats.largestBatch).toBeLessThanOrEqual(64);
    expect(await verifyPostgres(pool, { schema, pageSize: 50 })).toMatchObject({ ok: true, records: 600 });
    await sink.close();
  });

  it('stores an entry only the general serializer can order (an approval record), and one that cannot be sealed fails alone', async () => {
    const schema = await pg.schema();
    const sink = new PostgresSink({ pool, schema });
    const base = { v: 1, ts: new Date().toISOString(), callId: 'a1', traceId: 't', eventId: 'e', tool: 'pay' };
    const foreign = { ...base, kind: 'approval' as const, args: { z: 1, a: { y: 2, b: [3, 'x'] } } };
    const unsealable = { ...base, kind: 'intent' as const, args: { bad: '\ud800' } };
    const [ok, bad] = await Promise.allSettled([sink.append(foreign), sink.append(unsealable)]);
    expect(ok.status).toBe('fulfilled');
    expect(bad.status).toBe('rejected');
    expect(await verifyPostgres(pool, { schema })).toMatchObject({ ok: true, records: 1 });
    await sink.close();
  });

  it('takes a connection string and ends its own pool on close', async () => {
    const schema = await pg.schema();
    const { POSTGRES_URL } = await import('@tollgate/test-utils');
    const sink = new PostgresSink({ connectionString: POSTGRES_URL, schema });
    expect(await sink.open()).toEqual({ seq: 0, hash: GENESIS_HASH });
    await auditedRunner(sink).call('pay', { amount: 1, to: 'x' });
    await sink.close();
    await expect(sink.append({} as never)).rejects.toThrow(/closed/);
    expect(() => new PostgresSink({ pool, connectionString: POSTGRES_URL })).toThrow(TypeError);
    expect(() => new PostgresSink({ pool, schema: 'Robert"); DROP' })).toThrow(TypeError);
  });
});
