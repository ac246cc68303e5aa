import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AuditGate, JsonlFileSink } from '@tollgate/audit';
import { GatedToolRunner } from '@tollgate/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';

let dir: string;
let file: string;

beforeAll(async () => {
  dir = await tempDir();
  file = join(dir, 'audit.jsonl');
  const sink = new JsonlFileSink(file);
  const runner = new GatedToolRunner({
    gates: [new AuditGate({ sink })],
    tools: [{ name: 'echo', parameters: { type: 'object' }, handler: (args) => args }],
  });
  for (let i = 0; i < 3; i++) await runner.call('echo', { i }, { callId: `call_${i}` });
  await sink.close();
});

describe('tollgate audit verify', () => {
  it('exits 0 for an intact file', async () => {
    const { code, stdout } = await runCli(['audit', 'verify', file]);
    expect(code).toBe(0);
    expect(stdout).toContain(`OK ${file}: 3 records verified; head seq 3`);
  });

  it('exits 1 naming the first edited record', async () => {
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines[1] = lines[1]!.replace('"i":1', '"i":9');
    const tampered = join(dir, 'tampered.jsonl');
    await writeFile(tampered, lines.join('\n'));
    const { code, stdout } = await runCli(['audit', 'verify', tampered]);
    expect(code).toBe(1);
    expect(stdout).toContain('first bad record at line 2 (seq 2): hash_mismatch');
    const json = await runCli(['audit', 'verify', tampered, '--json']);
    expect(JSON.parse(json.stdout).firstBad).toMatchObject({ kind: 'hash_mismatch', line: 2, seq: 2 });
  });

  it('exits 1 when records were cut off the end and an anchor says so', async () => {
    const full = await runCli(['audit', 'verify', file, '--json']);
    const head = JSON.parse(full.stdout).head as { seq: number; hash: string };
    const lines = (await readFile(file, 'utf8')).split('\n');
    const cut = join(dir, 'cut.jsonl');
    await writeFile(cut, `${lines.slice(0, 2).join('\n')}\n`);
    expect((await runCli(['audit', 'verify', cut])).code).toBe(0);
    const anchored = await runCli(['audit', 'verify', cut, '--anchor', `${head.seq}:${head.hash}`]);
    expect(anchored.code).toBe(1);
    expect(anchored.stdout).toContain('anchor_mismatch');
  });

  it('exits 2 for a missing file or a bad anchor', async () => {
    const missing = await runCli(['audit', 'verify', join(dir, 'none.jsonl')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Audit file not found');
    const anchor = await runCli(['audit', 'verify', file, '--anchor', 'three']);
    expect(anchor.code).toBe(2);
    expect(anchor.stderr).toContain('--anchor must be <seq>:<sha256 hex>');
  });
});
