import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditGate, JsonlCheckpointStore } from '@tollgate/audit';
import { PostgresSink } from '@tollgate/audit-postgres';
import { GatedToolRunner } from '@tollgate/core';
import { connectTestPostgres, dropSchema, POSTGRES_URL, testSchema } from '@tollgate/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const pool = await connectTestPostgres();
const schema = testSchema('cli');
afterAll(async () => {
  if (!pool) return;
  await dropSchema(pool, schema);
  await pool.end();
});

describe.skipIf(!pool)('tollgate audit migrate / verify --postgres', () => {
  it('migrates once, then verifies the chain, a range, and names the first bad record', async () => {
    const migrated = await runCli(['audit', 'migrate', '--postgres', POSTGRES_URL, '--schema', schema]);
    expect(migrated).toMatchObject({ code: 0, stdout: `OK schema ${schema} migrated to version 1 (applied 1)\n` });
    const again = await runCli(['audit', 'migrate', '--postgres', POSTGRES_URL, '--schema', schema]);
    expect(again.stdout).toContain('nothing to apply');

    const sink = new PostgresSink({ pool: pool!, schema });
    const runner = new GatedToolRunner({
      gates: [new AuditGate({ sink, writeAhead: true })],
      tools: [{ name: 'echo', parameters: { type: 'object' }, handler: (args) => args }],
    });
    for (let i = 0; i < 3; i++) await runner.call('echo', { i }, { callId: `call_${i}` });
    await sink.close();

    const verify = (...args: string[]) =>
      runCli(['audit', 'verify', '--postgres', POSTGRES_URL, '--schema', schema, ...args]);
    const ok = await verify();
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(
      /^OK postgres:\/\/.* schema tg_cli_\w+: 6 records verified from seq 1; head seq 6 [0-9a-f]{64}\n$/,
    );
    expect((await verify('--from', '2', '--to', '4')).stdout).toContain('3 records verified from seq 2');

    await pool!.query(`UPDATE "${schema}".audit_records SET record = replace(record, '"i":1', '"i":9') WHERE seq = 3`);
    const bad = await verify();
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('first bad record at seq 3 (expected seq 3): hash_mismatch');
    const json = await verify('--json');
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      records: 2,
      firstBad: { kind: 'hash_mismatch', seq: 3 },
    });
  });

  it('verifies a signed chain with --public-key and --checkpoints, and wants both', async () => {
    const signedSchema = testSchema('cli_signed');
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-cli-pg-'));
    try {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const keyFile = join(dir, 'audit.pub.pem');
      await writeFile(keyFile, publicKey.export({ type: 'spki', format: 'pem' }) as string);
      const checkpoints = join(dir, 'audit.checkpoints');
      const sink = new PostgresSink({
        pool: pool!,
        schema: signedSchema,
        migrate: true,
        checkpoints: { key: { privateKey }, store: new JsonlCheckpointStore(checkpoints) },
      });
      const runner = new GatedToolRunner({
        gates: [new AuditGate({ sink, writeAhead: true })],
        tools: [{ name: 'echo', parameters: { type: 'object' }, handler: (args) => args }],
      });
      await runner.call('echo', { i: 1 }, { callId: 'call_1' });
      await sink.close();
      const base = ['audit', 'verify', '--postgres', POSTGRES_URL, '--schema', signedSchema];
      const ok = await runCli([...base, '--public-key', keyFile, '--checkpoints', checkpoints]);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain('1 signed checkpoints verified');
      expect(ok.stdout).toContain('complete and original up to seq 2');
      const alone = await runCli([...base, '--public-key', keyFile]);
      expect(alone).toMatchObject({ code: 2 });
      expect(alone.stderr).toContain('go together');
    } finally {
      await dropSchema(pool!, signedSchema);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 with one line for a bad range, a missing schema, an unreachable server, or a file and --postgres', async () => {
    expect((await runCli(['audit', 'verify', '--postgres', POSTGRES_URL, '--from', 'x'])).stderr).toContain(
      '--from must be a positive integer',
    );
    const missing = await runCli(['audit', 'verify', '--postgres', POSTGRES_URL, '--schema', 'tg_no_such_schema']);
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.stderr).toContain('run tollgate audit migrate first');
    const down = await runCli(['audit', 'migrate', '--postgres', 'postgres://nobody:secret@127.0.0.1:1/test']);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain('PostgreSQL at postgres://nobody:***@127.0.0.1:1/test');
    expect(down.stderr).not.toContain('secret');
    expect((await runCli(['audit', 'verify', 'a.jsonl', '--postgres', POSTGRES_URL])).stderr).toContain('not both');
    expect((await runCli(['audit', 'verify'])).stderr).toContain('give an audit file');
  });
});
