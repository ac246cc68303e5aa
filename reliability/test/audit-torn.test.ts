import { mkdtemp, readFile, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditFileError, AuditGate, JsonlFileSink, verify } from '@tollgate/audit';
import { GatedToolRunner } from '@tollgate/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tollgate-reliability-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function auditedRunner(sink: JsonlFileSink, options: { writeAhead?: boolean } = {}) {
  return new GatedToolRunner({
    gates: [new AuditGate({ sink, ...options })],
    tools: [{ name: 'transfer', parameters: { type: 'object' }, handler: () => 'done' }],
  });
}

/** Writes `calls` audited calls to `file`, closes the sink, then cuts the file in the middle of its last record. */
async function tornFile(file: string, calls: number): Promise<{ cutAt: number; intact: number }> {
  const sink = new JsonlFileSink(file);
  const runner = auditedRunner(sink);
  for (let i = 0; i < calls; i++) await runner.call('transfer', { i });
  await sink.close();
  const text = await readFile(file, 'utf8');
  const lastStart = text.lastIndexOf('\n', text.length - 2) + 1;
  const cutAt = lastStart + Math.floor((text.length - lastStart) / 2);
  await truncate(file, cutAt);
  return { cutAt, intact: calls - 1 };
}

describe('an audit file truncated in the middle of a record', () => {
  it('is reported by verify as a torn tail after the last intact record', async () => {
    const file = join(dir, 'audit.jsonl');
    const { intact } = await tornFile(file, 20);
    const result = await verify(file);
    expect(result.ok).toBe(false);
    expect(result.records).toBe(intact);
    expect(result.head.seq).toBe(intact);
    expect(result.firstBad).toMatchObject({ kind: 'torn_tail', line: intact + 1 });
  });

  it('is not extended by a restarted sink: appends are refused and the file stays as it was', async () => {
    const file = join(dir, 'audit.jsonl');
    const { cutAt } = await tornFile(file, 20);

    const sink = new JsonlFileSink(file);
    await expect(sink.open()).rejects.toMatchObject({ name: 'AuditFileError', code: 'torn_tail' });
    await expect(sink.open()).rejects.toBeInstanceOf(AuditFileError);

    // The call still gets an answer; the failed audit record is in its warnings, never silent.
    const result = await auditedRunner(sink).call('transfer', { after: 'restart' });
    expect(result.status).toBe('executed');
    expect(result.warnings?.join(' ')).toMatch(/audit sink failed.*a write was cut short/);

    // With write-ahead (fail-closed), no action runs unaudited: the call is blocked before its handler.
    const ahead = await auditedRunner(sink, { writeAhead: true }).call('transfer', { ahead: true });
    expect(ahead).toMatchObject({ status: 'blocked', blockedBy: 'audit', reason: 'store_unavailable' });

    expect((await stat(file)).size).toBe(cutAt);
    expect((await verify(file)).firstBad?.kind).toBe('torn_tail');
    await sink.close();
  });

  it("is continued only after an explicit repair: 'truncate', which reports the bytes it dropped", async () => {
    const file = join(dir, 'audit.jsonl');
    const { cutAt, intact } = await tornFile(file, 20);
    const text = await readFile(file, 'utf8');
    const tornBytes = cutAt - (text.lastIndexOf('\n') + 1);

    const sink = new JsonlFileSink(file, { repair: 'truncate' });
    const report = await sink.open();
    expect(report.repairedBytes).toBe(tornBytes);
    expect(report.head.seq).toBe(intact);
    const result = await auditedRunner(sink).call('transfer', { after: 'repair' });
    expect(result.warnings).toBeUndefined();
    await sink.close();

    const verified = await verify(file);
    expect(verified).toMatchObject({ ok: true, records: intact + 1 });
  });
});
