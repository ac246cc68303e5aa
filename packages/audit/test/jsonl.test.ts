import { readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AuditFileError,
  type AuditRecord,
  GENESIS_HASH,
  JsonlFileSink,
  MemorySink,
  recordLine,
  verify,
} from '../src/index.js';
import { auditedRunner, entry, fileLines, tempDir } from './helpers.js';

async function writeRecords(file: string, from: number, count: number, options = {}) {
  const sink = new JsonlFileSink(file, options);
  const records = await Promise.all(Array.from({ length: count }, (_, i) => sink.append(entry(from + i))));
  await sink.close();
  return records;
}

describe('JsonlFileSink restart', () => {
  it('a new sink on the same file resumes the chain from its last record', async () => {
    const file = join(await tempDir(), 'audit.jsonl');
    const first = new JsonlFileSink(file);
    const { runner } = auditedRunner(first, { writeAhead: true });
    for (let i = 0; i < 3; i++) await runner.call('pay', { amount: i, to: 'bob' });
    await first.close();
    const head = first.lastRecord;
    expect(head.seq).toBe(6);

    const second = new JsonlFileSink(file);
    expect(await second.open()).toEqual({ head, repairedBytes: 0 });
    const again = auditedRunner(second, { writeAhead: true });
    for (let i = 0; i < 3; i++) await again.runner.call('pay', { amount: i, to: 'bob' });
    await second.close();

    const records = (await fileLines(file)).map((l) => JSON.parse(l) as AuditRecord);
    expect(records[6]).toMatchObject({ seq: 7, prevHash: head.hash });
    expect(await verify(file)).toMatchObject({ ok: true, records: 12 });
  });

  it('starts a new file at seq 1 from the genesis hash, readable only by its owner', async () => {
    const file = join(await tempDir(), 'new.jsonl');
    const sink = new JsonlFileSink(file);
    expect(await sink.open()).toEqual({ head: { seq: 0, hash: GENESIS_HASH }, repairedBytes: 0 });
    expect(await sink.append(entry(1))).toMatchObject({ seq: 1, prevHash: GENESIS_HASH });
    await sink.close();
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('finds the last record even when it is longer than one read chunk', async () => {
    const file = join(await tempDir(), 'long.jsonl');
    const sink = new JsonlFileSink(file);
    await sink.append(entry(1));
    const long = await sink.append({ ...entry(2), args: { blob: 'x'.repeat(200_000) } });
    await sink.close();
    const reopened = new JsonlFileSink(file);
    expect((await reopened.open()).head).toEqual({ seq: 2, hash: long.hash });
    await reopened.close();
  });
});

describe('JsonlFileSink torn and damaged tails', () => {
  it('refuses to continue over a torn last line, in open() and in append()', async () => {
    const file = join(await tempDir(), 'audit.jsonl');
    await writeRecords(file, 1, 5);
    const size = (await stat(file)).size;
    await truncate(file, size - 30);

    expect((await verify(file)).firstBad).toMatchObject({ kind: 'torn_tail', line: 5 });
    const sink = new JsonlFileSink(file);
    const refusal = await sink.open().catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(AuditFileError);
    expect(refusal).toMatchObject({ code: 'torn_tail', path: file });
    await expect(sink.append(entry(9))).rejects.toMatchObject({ code: 'torn_tail' });
    expect((await stat(file)).size).toBe(size - 30);
  });

  it("repair: 'truncate' drops the torn bytes, reports them, and the chain continues cleanly", async () => {
    const file = join(await tempDir(), 'audit.jsonl');
    const written = await writeRecords(file, 1, 5);
    const lastLineBytes = Buffer.byteLength(`${recordLine(written[4]!)}\n`);
    // Only the newline is missing: complete JSON, but an unfinished write all the same.
    await truncate(file, (await stat(file)).size - 1);

    const sink = new JsonlFileSink(file, { repair: 'truncate' });
    expect(await sink.open()).toEqual({
      head: { seq: 4, hash: written[3]!.hash },
      repairedBytes: lastLineBytes - 1,
    });
    expect(await sink.append(entry(6))).toMatchObject({ seq: 5, prevHash: written[3]!.hash });
    await sink.close();
    expect(await verify(file)).toMatchObject({ ok: true, records: 5 });
  });

  it('refuses a last record that was edited, or that is not a record', async () => {
    const file = join(await tempDir(), 'audit.jsonl');
    const written = await writeRecords(file, 1, 3);
    const lines = (await fileLines(file)).slice(0, 2);
    await writeFile(file, `${[...lines, recordLine({ ...written[2]!, tool: 'refund' })].join('\n')}\n`);
    await expect(new JsonlFileSink(file).open()).rejects.toMatchObject({ code: 'tail_hash_mismatch' });
    await writeFile(file, `${[...lines, '{"hello":"world"}'].join('\n')}\n`);
    await expect(new JsonlFileSink(file).open()).rejects.toMatchObject({ code: 'malformed_tail' });
  });
});

describe('JsonlFileSink writers', () => {
  it('refuses a second writer on the same file in this process until the first closes', async () => {
    const file = join(await tempDir(), 'audit.jsonl');
    const a = new JsonlFileSink(file);
    await a.append(entry(1));
    const b = new JsonlFileSink(join(file, '..', 'audit.jsonl'));
    await expect(b.append(entry(2))).rejects.toMatchObject({ code: 'file_in_use' });
    await a.close();
    await expect(b.append(entry(2))).resolves.toMatchObject({ seq: 2 });
    await b.close();
    await expect(b.append(entry(3))).rejects.toThrow(/closed/);
    expect(await verify(file)).toMatchObject({ ok: true, records: 2 });
  });

  it('validates its batch bounds', () => {
    expect(() => new JsonlFileSink('x', { flush: { batch: { maxRecords: 0, maxMs: 5 } } })).toThrow(/maxRecords/);
    expect(() => new JsonlFileSink('x', { flush: { batch: { maxRecords: 5, maxMs: -1 } } })).toThrow(/maxMs/);
  });
});

describe('flush policies', () => {
  it.each([
    ['fsync', 'fsync' as const],
    ['batched', { batch: { maxRecords: 64, maxMs: 5 } }],
  ])('%s: 300 concurrent calls all reach the disk, in one chain', async (_name, flush) => {
    const file = join(await tempDir(), 'audit.jsonl');
    const sink = new JsonlFileSink(file, { flush });
    const { runner } = auditedRunner(sink, { writeAhead: true });
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => runner.call('pay', { amount: i, to: 'bob' })),
    );
    expect(results.every((r) => r.status === 'executed' && r.warnings === undefined)).toBe(true);
    await sink.close();
    expect(await verify(file)).toMatchObject({ ok: true, records: 600 });
  });

  it('batched: appends wait for their batch; flush() and close() write what is queued', async () => {
    const file = join(await tempDir(), 'audit.jsonl');
    // A bound that never triggers by itself in this test: only flush() writes.
    const sink = new JsonlFileSink(file, { flush: { batch: { maxRecords: 1000, maxMs: 3_600_000 } } });
    await sink.open();
    let settled = 0;
    const appends = [1, 2, 3].map((i) => sink.append(entry(i)).then(() => settled++));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(0);
    expect(await readFile(file, 'utf8')).toBe('');
    await sink.flush();
    await Promise.all(appends);
    expect(await fileLines(file)).toHaveLength(3);

    const late = sink.append(entry(4));
    await sink.close();
    await expect(late).resolves.toMatchObject({ seq: 4 });
    expect(await verify(file)).toMatchObject({ ok: true, records: 4 });
  });

  it('batched: a full batch is written without waiting for maxMs', async () => {
    const file = join(await tempDir(), 'audit.jsonl');
    const sink = new JsonlFileSink(file, { flush: { batch: { maxRecords: 4, maxMs: 3_600_000 } } });
    const records = await Promise.all([1, 2, 3, 4].map((i) => sink.append(entry(i))));
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect(await fileLines(file)).toHaveLength(4);
    await sink.close();
  });
});

describe('a failed write', () => {
  it('an entry with no JSON form fails alone; the records sealed with it are stored', async () => {
    const sink = new MemorySink();
    const results = await Promise.allSettled([
      sink.append(entry(1)),
      sink.append({ ...entry(2), args: { n: 10n } as never }),
      sink.append(entry(3)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(sink.records.map((r) => [r.seq, r.callId])).toEqual([
      [1, 'call_1'],
      [2, 'call_3'],
    ]);
  });

  it('leaves the chain head where it was, so the next record links to the last stored one', async () => {
    class FlakySink extends MemorySink {
      failNext = false;
      protected override async persist(records: AuditRecord[]): Promise<void> {
        if (this.failNext) {
          this.failNext = false;
          throw new Error('disk full');
        }
        await super.persist(records);
      }
    }
    const sink = new FlakySink();
    const one = await sink.append(entry(1));
    sink.failNext = true;
    await expect(sink.append(entry(2))).rejects.toThrow('disk full');
    expect(sink.lastRecord).toEqual({ seq: 1, hash: one.hash });
    expect(await sink.append(entry(3))).toMatchObject({ seq: 2, prevHash: one.hash });
  });
});
