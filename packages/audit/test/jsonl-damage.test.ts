// Issue 11 #8: a sink reopened on a file damaged in the middle extended it without a word, although
// docs/reliability.md says a damaged audit file is never extended silently. Open now verifies the whole chain.
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditFileError, JsonlFileSink, verify } from '../src/index.js';
import { auditedRunner, entry, fileLines, tempDir } from './helpers.js';

async function writeRecords(file: string, count: number): Promise<void> {
  const sink = new JsonlFileSink(file);
  for (let i = 1; i <= count; i++) await sink.append(entry(i));
  await sink.close();
}

/** Each way a file gets damaged before its last record, and what verify calls it. */
const DAMAGE: [string, (lines: string[]) => string[], string][] = [
  ['an edited record', (l) => l.map((x, i) => (i === 3 ? x.replace('"call_4"', '"call_X"') : x)), 'hash_mismatch'],
  ['a deleted record', (l) => l.filter((_, i) => i !== 3), 'seq_gap'],
  ['a line that is not a record', (l) => l.map((x, i) => (i === 3 ? 'garbage' : x)), 'malformed_line'],
  ['two records swapped', (l) => [...l.slice(0, 3), l[4]!, l[3]!, ...l.slice(5)], 'seq_gap'],
];

describe('JsonlFileSink on a file damaged before its last record', { timeout: 60_000 }, () => {
  it.each(DAMAGE)(
    'refuses to open over %s, naming the line, and leaves the file as it was',
    async (_what, damage, kind) => {
      const file = join(await tempDir(), 'audit.jsonl');
      await writeRecords(file, 8);
      await writeFile(file, `${damage(await fileLines(file)).join('\n')}\n`);
      const before = await readFile(file);

      const sink = new JsonlFileSink(file);
      const refusal = await sink.open().catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(AuditFileError);
      expect(refusal).toMatchObject({ code: 'chain_broken', path: file, failure: { kind, line: 4 } });
      expect((refusal as Error).message).toMatch(new RegExp(`line 4\\b.*${kind}.*verify`));
      await expect(sink.append(entry(9))).rejects.toMatchObject({ code: 'chain_broken' });
      expect(await readFile(file)).toEqual(before);
      expect((await verify(file)).firstBad).toMatchObject({ kind, line: 4 });
    },
  );

  it('a call still gets its answer, with the refusal in its warnings; fail-closed write-ahead blocks it', async () => {
    const file = join(await tempDir(), 'audit.jsonl');
    await writeRecords(file, 8);
    await writeFile(file, `${DAMAGE[0]![1](await fileLines(file)).join('\n')}\n`);
    const size = (await stat(file)).size;
    const lax = auditedRunner(new JsonlFileSink(file));
    const result = await lax.runner.call('pay', { amount: 1, to: 'bob' });
    expect(result.status).toBe('executed');
    expect(result.warnings?.join(' ')).toMatch(/chain is broken at line 4/);
    const strict = auditedRunner(new JsonlFileSink(file), { writeAhead: true });
    expect(await strict.runner.call('pay', { amount: 1, to: 'bob' })).toMatchObject({
      status: 'blocked',
      reason: 'store_unavailable',
    });
    expect(strict.runs.count).toBe(0);
    expect((await stat(file)).size).toBe(size);
  });

  it("verifyOnOpen: 'tail' checks only the last record, for files too large to read at start-up", async () => {
    const file = join(await tempDir(), 'audit.jsonl');
    await writeRecords(file, 8);
    await writeFile(file, `${DAMAGE[0]![1](await fileLines(file)).join('\n')}\n`);
    const sink = new JsonlFileSink(file, { verifyOnOpen: 'tail' });
    expect((await sink.open()).head.seq).toBe(8);
    await sink.close();
  });

  it('an intact file of many records opens and continues its chain', async () => {
    const file = join(await tempDir(), 'audit.jsonl');
    await writeRecords(file, 300);
    const sink = new JsonlFileSink(file);
    expect((await sink.open()).head.seq).toBe(300);
    await sink.append(entry(301));
    await sink.close();
    expect(await verify(file)).toMatchObject({ ok: true, records: 301 });
  });
});
