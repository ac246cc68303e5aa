// PostgreSQL unreachable mid-run (issue 16): calls fail closed, none runs without its committed intent, and the
// sink recovers when the server is back. The shared server keeps running: a proxy in front of it is cut.
import { AuditGate } from '@tollgate/audit';
import { GatedToolRunner, type GateResult } from '@tollgate/core';
import { POSTGRES_URL, TcpProxy } from '@tollgate/test-utils';
import { describe, expect, it } from 'vitest';
import { PostgresSink, queryRecords, verifyPostgres } from '../src/index.js';
import { auditedRunner, usePostgres } from './helpers.js';

const pg = await usePostgres('outage');

describe.skipIf(!pg.pool)('PostgreSQL unavailable', () => {
  const pool = pg.pool!;

  it('blocks calls while the server is unreachable, never runs one without its intent, recovers', async () => {
    const schema = await pg.schema();
    const proxy = await TcpProxy.start();
    const sink = new PostgresSink({ connectionString: proxy.url(), schema, connectionTimeoutMs: 2000 });
    const ran: { callId: string; intentCommitted: boolean }[] = [];
    let cutAfter = Number.POSITIVE_INFINITY;
    const runner = auditedRunner(sink, async (callId) => {
      // Straight to the server, not through the proxy: is this call's intent committed already?
      const intents = await queryRecords(pool, { callId, kind: 'intent' }, schema);
      ran.push({ callId, intentCommitted: intents.length === 1 });
      if (ran.length === cutAfter) await proxy.stop();
    });
    const calls = (label: string, n: number) =>
      Promise.all(
        Array.from({ length: n }, (_, i) => runner.call('pay', { amount: i, to: 'x' }, { callId: `${label}${i}` })),
      );

    const before = await calls('a', 40);
    expect(before.every((r) => r.status === 'executed')).toBe(true);

    // The 10th handler of this wave cuts the connection: the calls still queued for their intent fail closed.
    cutAfter = ran.length + 10;
    const during = await calls('b', 200);
    const down = await calls('c', 50);
    expect(down.every((r) => r.status === 'blocked' && r.reason === 'store_unavailable')).toBe(true);
    const blocked = [...during, ...down].filter((r) => r.status === 'blocked');
    expect(blocked.length).toBeGreaterThanOrEqual(50);
    expect(blocked.every((r) => r.reason === 'store_unavailable' && r.blockedBy === 'audit')).toBe(true);
    expect(sink.stats().failed).toBeGreaterThan(0);

    await proxy.start();
    const after = await calls('d', 40);
    expect(after.every((r) => r.status === 'executed')).toBe(true);
    await sink.close();
    await proxy.stop();

    const all: GateResult[] = [...before, ...during, ...down, ...after];
    const executed = all.filter((r) => r.status === 'executed');
    expect(ran.every((r) => r.intentCommitted)).toBe(true);
    expect(ran).toHaveLength(executed.length);
    const { rows } = await pool.query(
      `SELECT call_id, array_agg(kind ORDER BY seq) AS kinds FROM "${schema}".audit_records GROUP BY call_id`,
    );
    const kinds = new Map(rows.map((r) => [r.call_id as string, (r.kinds as string[]).join()]));
    for (const r of ran) expect(kinds.get(r.callId)).toMatch(/^intent/);
    // A call whose outcome was written is complete; one cut off keeps its intent and says so in its warnings.
    for (const r of executed) {
      if ((r.warnings ?? []).length === 0) expect(kinds.get(r.callId)).toBe('intent,outcome');
    }
    for (const r of after) expect(kinds.get(r.callId)).toBe('intent,outcome');
    expect(await verifyPostgres(pool, { schema })).toMatchObject({ ok: true });
  });

  it('recovers after the server terminates its backends (pg_terminate_backend)', async () => {
    const schema = await pg.schema();
    const app = `tg-outage-${schema}`;
    const url = new URL(POSTGRES_URL);
    url.searchParams.set('application_name', app);
    const sink = new PostgresSink({ connectionString: url.toString(), schema });
    const runner = auditedRunner(sink);
    expect((await runner.call('pay', { amount: 1, to: 'x' })).status).toBe('executed');
    await pool.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [app]);
    const results: GateResult[] = [];
    for (let i = 0; i < 3; i++) results.push(await runner.call('pay', { amount: i, to: 'x' }));
    // The first call after the cut may find the dead connection and fail closed; the pool then reconnects.
    expect(results.slice(1).every((r) => r.status === 'executed')).toBe(true);
    expect(results.every((r) => r.status === 'executed' || r.reason === 'store_unavailable')).toBe(true);
    await sink.close();
    expect(await verifyPostgres(pool, { schema })).toMatchObject({ ok: true });
  });

  it("with failMode 'open' a call runs while the server is unreachable, its decision saying why", async () => {
    const schema = await pg.schema();
    const proxy = await TcpProxy.start();
    const sink = new PostgresSink({ connectionString: proxy.url(), schema, connectionTimeoutMs: 2000 });
    const runner = new GatedToolRunner({
      gates: [new AuditGate({ sink, writeAhead: true, failMode: 'open' })],
      tools: [{ name: 'pay', parameters: { type: 'object' }, handler: () => 'paid' }],
    });
    await proxy.stop();
    const result = await runner.call('pay', {});
    expect(result.status).toBe('executed');
    expect(result.decisions.find((d) => d.gate === 'audit')).toMatchObject({ error: expect.anything() });
    await sink.close();
  });
});
