import { generateKeyPairSync } from 'node:crypto';
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

describe('tollgate audit verify --public-key', () => {
  let signed: string;
  let pub: string;
  let otherPub: string;

  beforeAll(async () => {
    const pair = generateKeyPairSync('ed25519');
    pub = join(dir, 'audit.pub.pem');
    await writeFile(pub, pair.publicKey.export({ type: 'spki', format: 'pem' }) as string);
    otherPub = join(dir, 'other.pub.pem');
    await writeFile(
      otherPub,
      generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string,
    );
    signed = join(dir, 'signed.jsonl');
    const sink = new JsonlFileSink(signed, { checkpoints: { key: { privateKey: pair.privateKey }, everyRecords: 2 } });
    const runner = new GatedToolRunner({
      gates: [new AuditGate({ sink })],
      tools: [{ name: 'echo', parameters: { type: 'object' }, handler: (args) => args }],
    });
    for (let i = 0; i < 6; i++) await runner.call('echo', { i }, { callId: `call_${i}` });
    await sink.close();
  });

  it('exits 0 when the chain matches its signed checkpoints', async () => {
    const { code, stdout } = await runCli(['audit', 'verify', signed, '--public-key', pub]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/\d+ signed checkpoints verified \(keys [0-9a-f]{16}\); complete and original up to seq 6/);
  });

  it('exits 1 for records cut off the end, which the bare chain cannot tell', async () => {
    const lines = (await readFile(signed, 'utf8')).split('\n');
    const cut = join(dir, 'signed-cut.jsonl');
    await writeFile(cut, `${lines.slice(0, 4).join('\n')}\n`);
    expect((await runCli(['audit', 'verify', cut])).code).toBe(0);
    const checked = await runCli([
      'audit',
      'verify',
      cut,
      '--public-key',
      pub,
      '--checkpoints',
      `${signed}.checkpoints`,
    ]);
    expect(checked.code).toBe(1);
    expect(checked.stdout).toContain('truncated: the chain ends at seq 4');
  });

  it('refuses a wrong key clearly, and usage errors exit 2', async () => {
    const wrong = await runCli(['audit', 'verify', signed, '--public-key', otherPub]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('checkpoint_invalid');
    expect(wrong.stdout).toContain('not among the public keys given');
    const named = await runCli(['audit', 'verify', signed, '--public-key', `mine=${otherPub}`]);
    expect(named.stdout).toContain('(mine)');
    expect((await runCli(['audit', 'verify', file, '--public-key', pub])).stderr).toContain(
      'Cannot read checkpoints file',
    );
    expect((await runCli(['audit', 'verify', signed, '--checkpoints', 'x'])).stderr).toContain('needs --public-key');
    const notKey = await runCli(['audit', 'verify', signed, '--public-key', signed]);
    expect(notKey.code).toBe(2);
    expect(notKey.stderr).toContain('--public-key');
  });
});
