// Issue 11 #12: verify was quadratic in line length (a 16 MB line took 12 s, 32 MB 51 s): each chunk of a long
// line was concatenated onto everything read of it so far. It must read each byte a bounded number of times.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GENESIS, sealRecord, verify } from '../src/index.js';
import { entry, tempDir } from './helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('verify on long lines', () => {
  it('copies each byte of a 16 MB line a bounded number of times, and verifies it', async () => {
    const first = sealRecord({ ...entry(1), args: { blob: 'x'.repeat(16 * 2 ** 20) } }, GENESIS);
    const second = sealRecord(entry(2), first.record);
    const text = `${first.line}\n${second.line}\n`;
    const file = join(await tempDir(), 'long.jsonl');
    await writeFile(file, text);

    let copied = 0;
    const concat = Buffer.concat;
    vi.spyOn(Buffer, 'concat').mockImplementation((list, length) => {
      const out = concat(list, length);
      copied += out.length;
      return out;
    });
    const result = await verify(file);
    expect(result).toMatchObject({ ok: true, records: 2, head: { seq: 2, hash: second.record.hash } });
    expect(copied).toBeLessThanOrEqual(2 * text.length);
  }, 120_000);

  it('still reports a torn last line that spans many chunks', async () => {
    const first = sealRecord(entry(1), GENESIS);
    const long = sealRecord({ ...entry(2), args: { blob: 'y'.repeat(300_000) } }, first.record);
    const file = join(await tempDir(), 'torn.jsonl');
    await writeFile(file, `${first.line}\n${long.line}`);
    expect((await verify(file)).firstBad).toMatchObject({ kind: 'torn_tail', line: 2, expectedSeq: 2 });
  });
});
