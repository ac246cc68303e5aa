// The PostgreSQL audit sink (issue 16): calls/s of a fail-closed write-ahead pipeline at 1, 16 and 256 in
// flight with the records each transaction committed (group commit), beside a one-row durable commit; then
// verify's speed over the chain those calls wrote, beside the file verifier on the same records.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AuditGate, verify } from '@tollgate/audit';
import { createPool, migrate, PostgresSink, verifyPostgres } from '@tollgate/audit-postgres';
import { ARGS, budgetGate, CONTEXT, paymentRunner, rateGate, ruleGate } from '../fixtures.js';
import { expectExecuted } from './overhead.js';
import { type ThroughputFigure, throughput } from './throughput.js';

/** One in-flight level of the PostgreSQL pipeline. */
export interface PostgresThroughput extends ThroughputFigure {
  /** Records committed per transaction at this load: 1 would be no group commit. */
  recordsPerTransaction: number;
}

/** What the PostgreSQL section measured. */
export interface PostgresResult {
  /** ISO date of this section's run (it can be measured alone: `node bench/dist/postgres.js`). */
  date: string;
  /** The server, without credentials. */
  server: string;
  /** `SELECT 1` round trip, median µs. */
  pingUs: number;
  /** The floor: a one-row INSERT committed on its own (synchronous commit), one at a time, per second. */
  commitsPerSec: number;
  throughput: PostgresThroughput[];
  /** verifyPostgres over the chain the throughput runs wrote, and the file verifier over the same records. */
  verify: { records: number; recordsPerSec: number; fileRecordsPerSec: number };
}

/** Runs the section against `url` in a fresh schema, dropped afterwards; `dir` receives the JSONL copy. */
export async function postgresSection(url: string, dir: string, ms: number): Promise<PostgresResult> {
  const schema = `tollgate_bench_${process.pid}`;
  const pool = createPool(url, { max: 4 });
  try {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await migrate(pool, { schema });
    const pingUs = await medianUs(() => pool.query('SELECT 1'), 300);
    await pool.query(`CREATE TABLE "${schema}".floor (n int)`);
    const commitUs = await medianUs(() => pool.query(`INSERT INTO "${schema}".floor VALUES (1)`), 300);

    const sink = new PostgresSink({ pool, schema });
    const audit = new AuditGate({ name: 'audit-postgres', sink, writeAhead: true });
    const runner = paymentRunner([rateGate(), budgetGate(), ruleGate(), audit]);
    const label = 'full pipeline, fail-closed write-ahead audit to PostgreSQL';
    const figures: PostgresThroughput[] = [];
    for (const inFlight of [1, 16, 256]) {
      const before = sink.stats();
      const call = async () => expectExecuted(await runner.call('send_money', ARGS, CONTEXT));
      const f = await throughput(`postgres.${inFlight}`, label, call, inFlight, ms);
      await sink.flush();
      const after = sink.stats();
      const recordsPerTransaction = (after.records - before.records) / (after.transactions - before.transactions);
      figures.push({ ...f, recordsPerTransaction });
    }
    await sink.close();

    const started = performance.now();
    const result = await verifyPostgres(pool, { schema });
    const verifySec = (performance.now() - started) / 1e3;
    if (!result.ok) throw new Error(`bench chain failed verification: ${JSON.stringify(result.firstBad)}`);
    const { rows } = await pool.query(`SELECT record FROM "${schema}".audit_records ORDER BY seq`);
    const file = join(dir, 'postgres-copy.jsonl');
    await writeFile(file, `${rows.map((r) => r.record).join('\n')}\n`);
    const fileStarted = performance.now();
    const fileResult = await verify(file);
    const fileSec = (performance.now() - fileStarted) / 1e3;
    if (!fileResult.ok || fileResult.records !== result.records) throw new Error('the JSONL copy did not verify');
    const host = new URL(url);
    return {
      date: new Date().toISOString(),
      server: `${host.hostname}:${host.port || 5432}${host.pathname}`,
      pingUs,
      commitsPerSec: 1e6 / commitUs,
      throughput: figures,
      verify: {
        records: result.records,
        recordsPerSec: result.records / verifySec,
        fileRecordsPerSec: result.records / fileSec,
      },
    };
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await pool.end();
  }
}

/** Median µs of `n` awaited runs of `op`, after a few to warm up. */
async function medianUs(op: () => Promise<unknown>, n: number): Promise<number> {
  for (let i = 0; i < 20; i++) await op();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await op();
    times.push((performance.now() - t0) * 1e3);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(n / 2)]!;
}
