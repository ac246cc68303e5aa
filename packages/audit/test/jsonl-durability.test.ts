// When a JsonlFileSink's appends resolve relative to fdatasync, under each flush policy (issue 15 target 3: one
// fdatasync per write-ahead call, and group commit under load).
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuditFileError, JsonlFileSink, verify } from '../src/index.js';
import { auditedRunner, entry, tempDir } from './helpers.js';

/** Counts (and can hold back) every fdatasync a FileHandle makes. */
async function spyDatasync() {
  const probe = await open(join(await tempDir(), 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as { datasync(): Promise<void> };
  await probe.close();
  const original = proto.datasync;
  const calls = { count: 0, hold: undefined as Promise<void> | undefined, fail: undefined as Error | undefined };
  vi.spyOn(proto, 'datasync').mockImplementation(async function (this: unknown) {
    calls.count++;
    if (calls.hold) await calls.hold;
    if (calls.fail) throw calls.fail;
    return original.call(this);
  });
  return calls;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('JsonlFileSink durability', { timeout: 60_000 }, () => {
  it("'fsync': an append resolves only after the fdatasync that follows its write", async () => {
    const calls = await spyDatasync();
    const sink = new JsonlFileSink(join(await tempDir(), 'audit.jsonl'));
    await sink.open();
    let release!: () => void;
    calls.hold = new Promise((r) => {
      release = r;
    });
    let resolved = false;
    const pending = sink.append(entry(1)).then(() => {
      resolved = true;
    });
    await vi.waitFor(() => expect(calls.count).toBe(1), { timeout: 30_000 });
    await new Promise((r) => setTimeout(r, 20));
    expect(resolved).toBe(false);
    release();
    await pending;
    expect(resolved).toBe(true);
    await sink.close();
  });

  it("{ intents }: one fdatasync per write-ahead call, where 'fsync' makes two; the intent waits for it", async () => {
    const calls = await spyDatasync();
    for (const [flush, perCall] of [
      [{ intents: { maxLagMs: 60_000 } }, 1],
      ['fsync', 2],
    ] as const) {
      const file = join(await tempDir(), 'audit.jsonl');
      const sink = new JsonlFileSink(file, { flush });
      const { runner, runs } = auditedRunner(sink, { writeAhead: true });
      await sink.open();
      calls.count = 0;
      for (let i = 0; i < 20; i++) expect((await runner.call('pay', { amount: i, to: 'bob' })).status).toBe('executed');
      expect(calls.count).toBe(20 * perCall);
      await sink.close();
      expect(runs.count).toBe(20);
      expect(await verify(file)).toMatchObject({ ok: true, records: 40 });
    }

    // The handler never runs before its intent's fdatasync returned.
    const sink = new JsonlFileSink(join(await tempDir(), 'audit.jsonl'), { flush: { intents: { maxLagMs: 60_000 } } });
    const { runner, runs } = auditedRunner(sink, { writeAhead: true });
    await sink.open();
    let release!: () => void;
    calls.hold = new Promise((r) => {
      release = r;
    });
    const call = runner.call('pay', { amount: 1, to: 'bob' });
    await vi.waitFor(() => expect(calls.count).toBeGreaterThan(40), { timeout: 30_000 });
    await new Promise((r) => setTimeout(r, 20));
    expect(runs.count).toBe(0);
    release();
    expect((await call).status).toBe('executed');
    expect(runs.count).toBe(1);
    await sink.close();
  });

  it('{ intents }: an outcome alone reaches the disk within maxLagMs', async () => {
    const calls = await spyDatasync();
    const sink = new JsonlFileSink(join(await tempDir(), 'audit.jsonl'), { flush: { intents: { maxLagMs: 5 } } });
    await sink.append(entry(1));
    await vi.waitFor(() => expect(calls.count).toBe(1), { timeout: 30_000 });
    await sink.close();
    expect(calls.count).toBe(1);
  });

  it('300 concurrent write-ahead calls share fdatasyncs (group commit) and leave one chain', async () => {
    const calls = await spyDatasync();
    for (const flush of ['fsync', { intents: { maxLagMs: 10 } }] as const) {
      const file = join(await tempDir(), 'audit.jsonl');
      const sink = new JsonlFileSink(file, { flush });
      const { runner } = auditedRunner(sink, { writeAhead: true });
      await sink.open();
      calls.count = 0;
      const results = await Promise.all(
        Array.from({ length: 300 }, (_, i) => runner.call('pay', { amount: i, to: 'bob' })),
      );
      expect(results.every((r) => r.status === 'executed' && r.warnings === undefined)).toBe(true);
      await sink.close();
      expect(calls.count).toBeLessThan(60);
      expect(await verify(file)).toMatchObject({ ok: true, records: 600 });
    }
  });

  it('a failed fdatasync rejects the appends that waited for it and every later one, and close() reports it', async () => {
    const calls = await spyDatasync();
    const sink = new JsonlFileSink(join(await tempDir(), 'audit.jsonl'));
    await sink.append(entry(1));
    calls.fail = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    await expect(sink.append(entry(2))).rejects.toThrow(/EIO/);
    calls.fail = undefined;
    const later = await sink.append(entry(3)).catch((e: unknown) => e);
    expect(later).toBeInstanceOf(AuditFileError);
    expect(later).toMatchObject({ code: 'unknown_state' });
    expect((later as Error).message).toMatch(/fdatasync failed/);
    await expect(sink.close()).rejects.toMatchObject({ code: 'unknown_state' });
  });
});
