// Several processes on one chain (issue 16): 3 processes x 2,000 concurrent write-ahead calls.
import { POSTGRES_URL } from '@tollgate/test-utils';
import { describe, expect, it } from 'vitest';
import { verifyPostgres } from '../src/index.js';
import { startNode, usePostgres } from './helpers.js';

const pg = await usePostgres('procs');
const WORKERS = 3;
const CALLS = 2000;

describe.skipIf(!pg.pool)('three processes on one chain', () => {
  it('every call has its intent and outcome, the chain is linear without gap or fork, verify passes', async () => {
    const pool = pg.pool!;
    const schema = await pg.schema();
    const children = Array.from({ length: WORKERS }, (_, w) =>
      startNode('test/fixtures/worker.ts', {
        PG_URL: POSTGRES_URL,
        SCHEMA: schema,
        CALLS: String(CALLS),
        WORKER: String(w),
      }),
    );
    const outputs = children.map(
      (child) =>
        new Promise<string[]>((resolve, reject) => {
          let out = '';
          let err = '';
          child.stdout!.on('data', (d) => {
            out += d;
          });
          child.stderr!.on('data', (d) => {
            err += d;
          });
          child.once('exit', (code) => (code === 0 ? resolve(out.trim().split('\n')) : reject(new Error(err))));
        }),
    );
    // Start them together, once each has opened its sink.
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            const onData = (d: Buffer) => {
              if (String(d).includes('ready')) {
                child.stdout!.off('data', onData);
                resolve();
              }
            };
            child.stdout!.on('data', onData);
          }),
      ),
    );
    for (const child of children) child.stdin!.end('go\n');
    const reports = (await Promise.all(outputs)).map((lines) => JSON.parse(lines[lines.length - 1]!));
    for (const r of reports) {
      expect(r).toMatchObject({ executed: CALLS, statuses: { executed: CALLS }, warnings: 0 });
      expect(r.stats.records).toBe(2 * CALLS);
      // Group commit: far fewer transactions than records.
      expect(r.stats.transactions).toBeLessThan(CALLS);
    }

    const total = WORKERS * CALLS * 2;
    const { rows: span } = await pool.query(
      `SELECT count(*)::int AS n, min(seq)::int AS lo, max(seq)::int AS hi, count(DISTINCT prev_hash)::int AS links
       FROM "${schema}".audit_records`,
    );
    expect(span[0]).toEqual({ n: total, lo: 1, hi: total, links: total });
    const { rows: calls } = await pool.query(
      `SELECT call_id, array_agg(kind ORDER BY seq) AS kinds FROM "${schema}".audit_records GROUP BY call_id`,
    );
    expect(calls).toHaveLength(WORKERS * CALLS);
    expect(calls.every((c) => c.kinds.join() === 'intent,outcome')).toBe(true);
    // Each worker's records are interleaved with the others': one chain, not three.
    const { rows: switches } = await pool.query(
      `SELECT count(*)::int AS n FROM (SELECT actor, lag(actor) OVER (ORDER BY seq) AS before
       FROM "${schema}".audit_records) t WHERE actor <> before`,
    );
    expect(switches[0].n).toBeGreaterThan(WORKERS);
    expect(await verifyPostgres(pool, { schema })).toMatchObject({ ok: true, records: total });
  }, 120_000);
});
