import { generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  type AuditEntry,
  type AuditRecord,
  type Checkpoint,
  CheckpointedSink,
  type CheckpointStore,
  CheckpointTrail,
  checkpointsPathOf,
  GENESIS,
  JsonlFileSink,
  KeyRing,
  keyIdOf,
  MemorySink,
  parseCheckpoint,
  readCheckpointLines,
  recordLine,
  sealRecord,
  verify,
  verifyRecords,
} from '../src/index.js';
import { auditedRunner, entry, fileLines, tempDir } from './helpers.js';

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

const key = keyPair();

/** A signed file of `count` records written one at a time, checkpointed every `every` records and at close. */
async function signedFile(count: number, every = 10) {
  const file = join(await tempDir(), 'audit.jsonl');
  const sink = new JsonlFileSink(file, { checkpoints: { key: { privateKey: key.privateKey }, everyRecords: every } });
  const { runner } = auditedRunner(sink, { writeAhead: true });
  for (let i = 0; i < count / 2; i++) await runner.call('pay', { amount: i, to: 'bob' });
  await sink.close();
  return { file, sink };
}

/** Rewrites the chain from seq `from` on with `edit` applied to that record, rehashing every record after it. */
function recompute(lines: string[], from: number, edit: (r: AuditRecord) => void): string[] {
  const records = lines.map((l) => JSON.parse(l) as AuditRecord);
  let head = from === 1 ? GENESIS : { seq: records[from - 2]!.seq, hash: records[from - 2]!.hash };
  const out = lines.slice(0, from - 1);
  for (const record of records.slice(from - 1)) {
    if (record.seq === from) edit(record);
    const { seq: _s, prevHash: _p, hash: _h, ...rest } = record;
    const sealed = sealRecord(rest as AuditEntry, head);
    head = { seq: sealed.record.seq, hash: sealed.record.hash };
    out.push(sealed.line);
  }
  return out;
}

async function copyWith(file: string, name: string, lines: string[]): Promise<string> {
  const copy = join(file, '..', name);
  await writeFile(copy, `${lines.join('\n')}\n`);
  await writeFile(checkpointsPathOf(copy), await readFile(checkpointsPathOf(file)));
  return copy;
}

describe('signed checkpoints on a JSONL file', () => {
  it('signs the head every N records and at close, beside the file, and verifies with the public key', async () => {
    const { file, sink } = await signedFile(40);
    const checkpoints = (await readCheckpointLines(checkpointsPathOf(file))).map((l) => parseCheckpoint(l)!);
    expect(checkpoints.length).toBeGreaterThanOrEqual(4);
    const seqs = checkpoints.map((c) => c.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(seqs.at(-1)).toBe(40);
    expect(checkpoints[0]).toMatchObject({ v: 1, keyId: keyIdOf(key.publicKey) });
    expect(checkpoints[0]!.ts).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(sink.checkpointStats()).toMatchObject({ checkpoints: checkpoints.length, failures: 0, lastSeq: 40 });

    const report = await verify(file, { publicKeys: [key.publicKey] });
    expect(report).toMatchObject({ ok: true, records: 40 });
    expect(report.checkpoints).toEqual({
      verified: checkpoints.length,
      lastSeq: 40,
      keyIds: [keyIdOf(key.publicKey)],
      unsigned: 0,
    });
  });

  it('detects records removed from the end with the key, and not without it', async () => {
    const { file } = await signedFile(20);
    const cut = await copyWith(file, 'cut.jsonl', (await fileLines(file)).slice(0, 17));
    expect(await verify(cut)).toMatchObject({ ok: true, records: 17 });
    const report = await verify(cut, { publicKeys: [key.publicKey] });
    expect(report.ok).toBe(false);
    expect(report.firstBad).toMatchObject({ kind: 'truncated', line: 18, checkpoint: { seq: 20 } });
    expect(report.firstBad!.message).toContain('the chain ends at seq 17');
  });

  it('detects a chain recomputed without the key, and not without it', async () => {
    const { file } = await signedFile(20);
    const forged = recompute(await fileLines(file), 5, (r) => {
      r.args = { amount: 999_999, to: 'mallory' };
    });
    const copy = await copyWith(file, 'forged.jsonl', forged);
    expect(await verify(copy)).toMatchObject({ ok: true, records: 20 });
    const checkpoints = (await readCheckpointLines(checkpointsPathOf(file))).map((l) => parseCheckpoint(l)!);
    const first = Math.min(...checkpoints.map((c) => c.seq));
    const report = await verify(copy, { publicKeys: [key.publicKey] });
    expect(report.firstBad).toMatchObject({ kind: 'checkpoint_mismatch', seq: first, line: first });
    expect(report.records).toBe(first - 1);
  });

  it('refuses checkpoints re-signed with another key, and a wrong public key, clearly', async () => {
    const { file } = await signedFile(10);
    const other = keyPair();
    const wrong = await verify(file, { publicKeys: [other.publicKey] });
    expect(wrong.firstBad).toMatchObject({ kind: 'checkpoint_invalid', checkpoint: { line: 1 } });
    expect(wrong.firstBad!.message).toContain(`signed by key "${keyIdOf(key.publicKey)}"`);
    expect(wrong.firstBad!.message).toContain('not among the public keys given');
    // The same id, another key: the signature does not verify.
    const sameId = await verify(file, { publicKeys: [{ id: keyIdOf(key.publicKey), publicKey: other.publicKey }] });
    expect(sameId.firstBad).toMatchObject({ kind: 'checkpoint_invalid' });
    expect(sameId.firstBad!.message).toContain('signature does not verify');

    // An attacker's own checkpoint, under the real key id, over a recomputed head.
    const lines = await readCheckpointLines(checkpointsPathOf(file));
    const forged = { ...(JSON.parse(lines.at(-1)!) as Checkpoint), hash: 'f'.repeat(64) };
    await writeFile(checkpointsPathOf(file), `${[...lines, JSON.stringify(forged)].join('\n')}\n`);
    const tampered = await verify(file, { publicKeys: [key.publicKey] });
    expect(tampered.firstBad).toMatchObject({ kind: 'checkpoint_invalid', checkpoint: { line: lines.length + 1 } });
  });

  it('needs at least one checkpoint, and the checkpoints file, once keys are given', async () => {
    const { file } = await signedFile(4);
    await writeFile(checkpointsPathOf(file), '');
    expect((await verify(file, { publicKeys: [key.publicKey] })).firstBad).toMatchObject({
      kind: 'checkpoint_invalid',
      message: expect.stringContaining('no checkpoints'),
    });
    await expect(verify(join(file, '..', 'none.jsonl'), { publicKeys: [key.publicKey] })).rejects.toThrow(/ENOENT/);
    expect(() => verifyRecords([], { checkpoints: [] })).toThrow(/need publicKeys/);
  });

  it('accepts every key of a rotation, by fingerprint or by an id of its own', async () => {
    const file = join(await tempDir(), 'audit.jsonl');
    const next = keyPair();
    const first = new JsonlFileSink(file, { checkpoints: { key: { privateKey: key.privateKey }, everyRecords: 5 } });
    for (let i = 0; i < 12; i++) await first.append(entry(i));
    await first.close();
    const second = new JsonlFileSink(file, {
      checkpoints: { key: { privateKey: next.privateKey, id: '2026-12' }, everyRecords: 5 },
    });
    for (let i = 12; i < 20; i++) await second.append(entry(i));
    await second.close();

    const both = await verify(file, { publicKeys: [key.publicKey, { id: '2026-12', publicKey: next.publicKey }] });
    expect(both).toMatchObject({ ok: true, records: 20 });
    expect(both.checkpoints?.keyIds).toEqual([keyIdOf(key.publicKey), '2026-12']);
    const old = await verify(file, { publicKeys: new KeyRing([key.publicKey]) });
    expect(old.firstBad?.message).toContain('signed by key "2026-12"');
  });

  it('signs every T ms while records arrive, and sends each checkpoint to a second place', async () => {
    const file = join(await tempDir(), 'audit.jsonl');
    const copies: Checkpoint[] = [];
    const failures: unknown[] = [];
    const sink = new JsonlFileSink(file, {
      flush: { intents: { maxLagMs: 5 } },
      checkpoints: {
        key: { privateKey: key.privateKey },
        everyRecords: 1_000_000,
        everyMs: 10,
        copyTo: [
          (c) => void copies.push(c),
          () => {
            throw new Error('webhook down');
          },
        ],
        onError: (err) => failures.push(err),
      },
    });
    await sink.append(entry(1));
    await vi.waitFor(() => expect(copies.length).toBe(1), { timeout: 10_000, interval: 5 });
    expect(copies[0]).toMatchObject({ seq: 1 });
    expect(failures).toHaveLength(1);
    await sink.append(entry(2));
    await sink.close();
    const stored = (await readCheckpointLines(checkpointsPathOf(file))).map((l) => parseCheckpoint(l));
    expect(stored).toEqual(copies);
    expect(stored.at(-1)).toMatchObject({ seq: 2 });
    expect((await verify(file, { publicKeys: [key.publicKey] })).ok).toBe(true);
  });

  it('keeps appending when the checkpoint store fails, reports it, and rejects the final checkpoint at close', async () => {
    const file = join(await tempDir(), 'audit.jsonl');
    const errors: unknown[] = [];
    const broken: CheckpointStore = { write: () => Promise.reject(new Error('disk full')) };
    const sink = new JsonlFileSink(file, {
      checkpoints: {
        key: { privateKey: key.privateKey },
        everyRecords: 2,
        store: broken,
        onError: (e) => errors.push(e),
      },
    });
    for (let i = 0; i < 4; i++) await sink.append(entry(i));
    await expect(sink.close()).rejects.toThrow('disk full');
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(sink.checkpointStats()).toMatchObject({ checkpoints: 0, lastError: 'disk full' });
    expect(await verify(file)).toMatchObject({ ok: true, records: 4 });
  });

  it('refuses a key that is not Ed25519 at construction', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    expect(() => new JsonlFileSink('x.jsonl', { checkpoints: { key: { privateKey: rsa } } })).toThrow(/Ed25519/);
    expect(() => new JsonlFileSink('x.jsonl', { checkpoints: { key: { privateKey: 'nope' } } })).toThrow(/PEM/);
  });
});

describe('CheckpointedSink', () => {
  it('signs the head any sink confirms, into any store, for verifyRecords', async () => {
    const memory = new MemorySink();
    const stored: Checkpoint[] = [];
    const sink = new CheckpointedSink(memory, {
      key: { privateKey: key.privateKey, id: 'k1' },
      everyRecords: 3,
      store: { write: async (c) => void stored.push(c) },
    });
    await Promise.all(Array.from({ length: 10 }, (_, i) => sink.append(entry(i))));
    await sink.close();
    expect(stored.at(-1)).toMatchObject({ seq: 10, keyId: 'k1' });
    const keys = [{ id: 'k1', publicKey: key.publicKey }];
    expect(verifyRecords(memory.lines(), { publicKeys: keys, checkpoints: stored })).toMatchObject({ ok: true });
    const cut = verifyRecords(memory.lines().slice(0, 9), { publicKeys: keys, checkpoints: stored });
    expect(cut.firstBad?.kind).toBe('truncated');
    expect(memory.records.map(recordLine)).toEqual(memory.lines());
  });
});

describe('CheckpointTrail', () => {
  it('checks a chain streamed from elsewhere, a range of it, and its end', async () => {
    const memory = new MemorySink();
    const stored: Checkpoint[] = [];
    const sink = new CheckpointedSink(memory, {
      key: { privateKey: key.privateKey },
      everyRecords: 4,
      store: { write: async (c) => void stored.push(c) },
    });
    for (let i = 0; i < 12; i++) await sink.append(entry(i));
    await sink.close();
    const lines = stored.map((c) => JSON.stringify(c)).reverse(); // any order, as lines or objects

    const { trail } = CheckpointTrail.open(lines, [key.publicKey]);
    for (const r of memory.records.slice(4)) expect(trail!.check(r.seq, r.hash)).toBeUndefined();
    expect(trail!.end(12)).toBeUndefined();
    expect(trail!.report(12)).toMatchObject({ verified: stored.length, lastSeq: 12, unsigned: 0 });

    const again = CheckpointTrail.open(stored, [key.publicKey]).trail!;
    const signed = stored[0]!;
    expect(again.check(signed.seq, 'e'.repeat(64))).toMatchObject({
      kind: 'checkpoint_mismatch',
      checkpoint: { seq: signed.seq },
    });
    expect(CheckpointTrail.open(stored, [key.publicKey]).trail!.end(11)).toMatchObject({ kind: 'truncated' });
    expect(CheckpointTrail.open(['{"v":1}'], [key.publicKey]).failure).toMatchObject({
      kind: 'checkpoint_invalid',
      checkpoint: { line: 1 },
    });
    expect(() => CheckpointTrail.open(stored, [])).toThrow(/no public keys/);
  });
});
