import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AuditRecord,
  GENESIS_HASH,
  JsonlFileSink,
  recordHash,
  recordLine,
  seal,
  type VerifyFailureKind,
  verify,
  verifyRecords,
} from '../src/index.js';
import { auditedRunner, fileLines, tempDir } from './helpers.js';

const N = 12;

/** A real audit file: N outcome records and intents from a runner, as lines. */
async function realChain(): Promise<{ file: string; lines: string[] }> {
  const file = join(await tempDir(), 'audit.jsonl');
  const sink = new JsonlFileSink(file);
  const { runner } = auditedRunner(sink, { writeAhead: true });
  for (let i = 0; (await fileLines(file).catch(() => [])).length < N; i++) {
    await runner.call('pay', { amount: i, to: i % 3 === 0 ? 'mallory' : 'bob' });
  }
  await sink.close();
  const lines = await fileLines(file);
  return { file, lines: lines.slice(0, N) };
}

const { file: baseFile, lines: base } = await realChain();
const parsed = base.map((l) => JSON.parse(l) as AuditRecord);

type Tamper =
  | { op: 'edit'; at: number }
  | { op: 'edit_rehash'; at: number }
  | { op: 'garbage'; at: number }
  | { op: 'delete'; at: number }
  | { op: 'insert_copy'; at: number; from: number }
  | { op: 'insert_forged'; at: number }
  | { op: 'move'; from: number; to: number };

/** Applies a tampering and says where (1-based line) and how verification must fail. */
function tamper(t: Tamper): { lines: string[]; line: number; kind: VerifyFailureKind } {
  const lines = [...base];
  switch (t.op) {
    case 'edit': {
      lines[t.at] = recordLine({ ...parsed[t.at]!, tool: 'refund' });
      return { lines, line: t.at + 1, kind: 'hash_mismatch' };
    }
    case 'edit_rehash': {
      const edited = { ...parsed[t.at]!, tool: 'refund' };
      lines[t.at] = recordLine({ ...edited, hash: recordHash(edited) });
      return { lines, line: t.at + 2, kind: 'broken_link' };
    }
    case 'garbage': {
      lines[t.at] = '{"seq": 3, "oops"';
      return { lines, line: t.at + 1, kind: 'malformed_line' };
    }
    case 'delete': {
      lines.splice(t.at, 1);
      return { lines, line: t.at + 1, kind: 'seq_gap' };
    }
    case 'insert_copy': {
      lines.splice(t.at, 0, base[t.from]!);
      // A copy of the record that already sits there only breaks the chain one line later.
      return { lines, line: t.at + (t.from === t.at ? 2 : 1), kind: 'seq_gap' };
    }
    case 'insert_forged': {
      const prev = t.at === 0 ? { seq: 0, hash: GENESIS_HASH } : parsed[t.at - 1]!;
      const { seq: _s, prevHash: _p, hash: _h, ...entry } = parsed[t.at]!;
      lines.splice(t.at, 0, recordLine(seal({ ...entry, tool: 'forged' }, prev)));
      return { lines, line: t.at + 2, kind: 'seq_gap' };
    }
    case 'move': {
      const [moved] = lines.splice(t.from, 1);
      lines.splice(t.to, 0, moved!);
      return { lines, line: Math.min(t.from, t.to) + 1, kind: 'seq_gap' };
    }
  }
}

const pos = (max: number) => fc.integer({ min: 0, max });
// Positions that leave a later record to expose the tampering (the last line is covered with an anchor below).
const tampering: fc.Arbitrary<Tamper> = fc.oneof(
  pos(N - 1).map((at) => ({ op: 'edit', at }) as const),
  pos(N - 2).map((at) => ({ op: 'edit_rehash', at }) as const),
  pos(N - 1).map((at) => ({ op: 'garbage', at }) as const),
  pos(N - 2).map((at) => ({ op: 'delete', at }) as const),
  fc.record({ at: pos(N - 1), from: pos(N - 1) }).map((t) => ({ op: 'insert_copy', ...t }) as const),
  pos(N - 1).map((at) => ({ op: 'insert_forged', at }) as const),
  fc
    .record({ from: pos(N - 1), to: pos(N - 1) })
    .filter((t) => t.from !== t.to)
    .map((t) => ({ op: 'move', ...t }) as const),
);

describe('verify', { timeout: 60_000 }, () => {
  it('accepts an untouched chain written by a real runner', async () => {
    expect(parsed[0]?.prevHash).toBe(GENESIS_HASH);
    const result = await verify(baseFile);
    expect(result.ok).toBe(true);
    expect(result.firstBad).toBeUndefined();
    expect(verifyRecords(base)).toEqual({ ok: true, records: N, head: { seq: N, hash: parsed[N - 1]!.hash } });
  });

  it('finds any edit, deletion, insertion or move at the right line and seq', async () => {
    const file = join(await tempDir(), 'tampered.jsonl');
    await fc.assert(
      fc.asyncProperty(tampering, async (t) => {
        const { lines, line, kind } = tamper(t);
        await writeFile(file, `${lines.join('\n')}\n`);
        const result = await verify(file);
        expect(result.ok).toBe(false);
        expect(result.firstBad).toMatchObject({ kind, line, expectedSeq: line });
        expect(result.records).toBe(line - 1);
        if (kind !== 'malformed_line') expect(result.firstBad?.seq).toBe(JSON.parse(lines[line - 1]!).seq);
        expect(verifyRecords(lines)).toEqual(result);
      }),
      { numRuns: 150 },
    );
  });

  it('needs an anchor to notice that the last record was removed or rewritten', async () => {
    const anchor = { seq: N, hash: parsed[N - 1]!.hash };
    const truncated = base.slice(0, -1);
    expect(verifyRecords(truncated).ok).toBe(true);
    expect(verifyRecords(truncated, { anchor }).firstBad).toMatchObject({ kind: 'anchor_mismatch', line: N });

    const edited = { ...parsed[N - 1]!, tool: 'refund' };
    const rewritten = [...base.slice(0, -1), recordLine({ ...edited, hash: recordHash(edited) })];
    expect(verifyRecords(rewritten).ok).toBe(true);
    expect(verifyRecords(rewritten, { anchor }).firstBad).toMatchObject({ kind: 'anchor_mismatch', line: N, seq: N });
    expect(verifyRecords(base, { anchor }).ok).toBe(true);
  });

  it('reports a torn last line, after any earlier failure', async () => {
    const file = join(await tempDir(), 'torn.jsonl');
    const text = `${base.join('\n')}\n`;
    await writeFile(file, text.slice(0, -20));
    expect((await verify(file)).firstBad).toMatchObject({ kind: 'torn_tail', line: N, expectedSeq: N });
    // Only the newline is missing: the record is complete, but its write was not.
    await writeFile(file, text.slice(0, -1));
    expect((await verify(file)).firstBad).toMatchObject({ kind: 'torn_tail', line: N });
    const { lines } = tamper({ op: 'edit', at: 2 });
    await writeFile(file, `${lines.join('\n')}`);
    expect((await verify(file)).firstBad).toMatchObject({ kind: 'hash_mismatch', line: 3 });
  });

  it('checks the first record links to the genesis hash and starts at seq 1', () => {
    const second = parsed[1]!;
    const { seq: _s, prevHash: _p, hash: _h, ...entry } = second;
    const notGenesis = seal(entry, { seq: 0, hash: 'f'.repeat(64) });
    expect(verifyRecords([recordLine(notGenesis)]).firstBad).toMatchObject({ kind: 'broken_link', line: 1 });
    expect(verifyRecords(base.slice(1)).firstBad).toMatchObject({ kind: 'seq_gap', line: 1, seq: 2, expectedSeq: 1 });
    expect(verifyRecords([])).toEqual({ ok: true, records: 0, head: { seq: 0, hash: GENESIS_HASH } });
  });

  it('hashes the canonical form, so key order in the line does not matter', () => {
    const reordered = base.map((l) => {
      const r = JSON.parse(l) as Record<string, unknown>;
      return JSON.stringify(Object.fromEntries(Object.entries(r).reverse()));
    });
    expect(verifyRecords(reordered).ok).toBe(true);
  });

  it('rejects the read error of a missing file', async () => {
    await expect(verify(join(await tempDir(), 'missing.jsonl'))).rejects.toThrow(/ENOENT/);
  });
});
