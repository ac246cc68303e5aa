import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditGate, type AuditRecord, JsonlFileSink, MemorySink, verify, verifyRecords } from '../src/index.js';
import { auditedRunner, tempDir } from './helpers.js';

function outcomes(sink: MemorySink): AuditRecord[] {
  return sink.records.filter((r) => r.kind === 'outcome');
}

describe('AuditGate records every status', () => {
  it('writes one outcome record per call, whatever stopped it, and an intent before each handler run', async () => {
    const dir = await tempDir();
    const file = join(dir, 'audit.jsonl');
    const sink = new JsonlFileSink(file);
    const { runner, audit, clock } = auditedRunner(sink, { writeAhead: true });
    const ctx = { actor: 'agent-7', tenant: 'acme', session: 's-1' };

    const invalid = await runner.call('pay', { amount: 'lots', to: 'bob' }, ctx);
    const unknown = await runner.call('teleport', {}, ctx);
    const blocked = await runner.call('pay', { amount: 5, to: 'mallory' }, ctx);
    const waiting = await runner.call('pay', { amount: 5000, to: 'bob' }, ctx);
    clock.advance(1000);
    const approval = waiting.approval?.id as string;
    expect((await runner.approve(approval, { by: 'alice' })).ok).toBe(true);
    const resumed = await runner.resume(approval);
    const executed = await runner.call('pay', { amount: 10, to: 'bob' }, ctx);
    const failed = await runner.call('fail', { why: 'ledger offline' }, ctx);
    await sink.close();

    expect([invalid, unknown, blocked, waiting, resumed, executed, failed].map((r) => r.status)).toEqual([
      'blocked',
      'blocked',
      'blocked',
      'approval_required',
      'executed',
      'executed',
      'tool_error',
    ]);
    const check = await verify(file);
    expect(check).toMatchObject({ ok: true, records: 10 });
    const { readFile } = await import('node:fs/promises');
    const records = (await readFile(file, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditRecord);
    const outcome = (callId: string) => records.find((r) => r.kind === 'outcome' && r.callId === callId);

    expect(outcome(invalid.callId)).toMatchObject({
      status: 'blocked',
      blockedBy: 'validation',
      reason: 'invalid_arguments',
    });
    expect(outcome(unknown.callId)).toMatchObject({ tool: 'teleport', blockedBy: 'registry', reason: 'unknown_tool' });
    expect(outcome(blocked.callId)).toMatchObject({ blockedBy: 'policy', reason: 'payee_blocked', actor: 'agent-7' });
    expect(outcome(blocked.callId)?.decisions?.map((d) => [d.gate, d.outcome])).toEqual([
      ['validation', 'allow'],
      ['policy', 'block'],
    ]);
    expect(outcome(waiting.callId)).toMatchObject({ status: 'approval_required', approvalId: approval });
    const resumedRecord = records.find((r) => r.kind === 'outcome' && r.resumedFrom === approval);
    expect(resumedRecord).toMatchObject({ status: 'executed', callId: waiting.callId, tenant: 'acme', session: 's-1' });
    expect(resumedRecord?.decisions?.find((d) => d.gate === 'policy')).toMatchObject({
      reason: 'approved',
      data: { approvalId: approval, by: 'alice' },
    });
    expect(outcome(executed.callId)).toMatchObject({
      status: 'executed',
      args: { amount: 10, to: 'bob' },
      result: { paid: 10, to: 'bob', note: null },
      ts: new Date(clock.now()).toISOString(),
    });
    expect(outcome(failed.callId)).toMatchObject({
      status: 'tool_error',
      error: { name: 'Error', message: 'ledger offline' },
    });

    // Intents only for calls whose handler was about to run, each before its own outcome.
    const intents = records.filter((r) => r.kind === 'intent');
    expect(intents.map((r) => r.callId)).toEqual([waiting.callId, executed.callId, failed.callId]);
    for (const intent of intents) {
      const out = records.find(
        (r) => r.kind === 'outcome' && r.callId === intent.callId && r.status !== 'approval_required',
      );
      expect(intent.seq).toBeLessThan(out?.seq as number);
    }
    expect(audit.stats()).toEqual({ intents: 3, outcomes: 7, approvals: 0, failures: 0 });
  });

  it('records a refused resume (denied approval) with the approval it came from', async () => {
    const sink = new MemorySink();
    const { runner } = auditedRunner(sink);
    const waiting = await runner.call('pay', { amount: 5000, to: 'bob' }, { actor: 'agent-7' });
    const id = waiting.approval?.id as string;
    await runner.deny(id, { by: 'alice' });
    const refused = await runner.resume(id);
    expect(refused).toMatchObject({ status: 'blocked', reason: 'approval_denied' });
    expect(outcomes(sink).at(-1)).toMatchObject({
      callId: waiting.callId,
      status: 'blocked',
      blockedBy: 'approval',
      reason: 'approval_denied',
      resumedFrom: id,
      actor: 'agent-7',
    });
  });

  it('writes recordedBy on every record it builds (intent, outcome, approval), and refuses an empty one', async () => {
    const sink = new MemorySink();
    const { runner, audit } = auditedRunner(sink, { writeAhead: true, recordedBy: 'payments-api@host-3' });
    await runner.call('pay', { amount: 10, to: 'bob' });
    const waiting = await runner.call('pay', { amount: 5000, to: 'bob' });
    const decided = await runner.approve(waiting.approval!.id, { by: 'alice' });
    if (!decided.ok) throw new Error('approval failed');
    await audit.recordApproval(decided.approval, { by: 'alice', said: 'approved' });
    expect(sink.records.map((r) => [r.kind, r.recordedBy])).toEqual([
      ['intent', 'payments-api@host-3'],
      ['outcome', 'payments-api@host-3'],
      ['outcome', 'payments-api@host-3'],
      ['approval', 'payments-api@host-3'],
    ]);
    expect(verifyRecords(sink.lines()).ok).toBe(true);
    expect(() => new AuditGate({ sink, recordedBy: '' })).toThrow(/recordedBy must be a non-empty string/);
  });

  it('rejects a missing sink', () => {
    expect(() => new AuditGate({} as never)).toThrow(/needs a sink/);
  });

  it('records what the model sent even when it is not well-formed text', async () => {
    const sink = new MemorySink();
    const { runner, audit } = auditedRunner(sink);
    const result = await runner.call('pay\uD800', { amount: 1, to: 'bob\uDC00' }, { actor: 'agent\uD800' });
    expect(result.status).toBe('blocked');
    await runner.call('pay', { amount: 1, to: 'bob\uDC00', note: 'x'.repeat(5000) });
    expect(audit.stats()).toMatchObject({ outcomes: 2, failures: 0 });
    expect(sink.records[0]).toMatchObject({ tool: 'pay\uFFFD', actor: 'agent\uFFFD', reason: 'unknown_tool' });
    expect(sink.records[1]?.args).toMatchObject({ truncated: true, chars: expect.any(Number) });
    expect(verifyRecords(sink.lines())).toMatchObject({ ok: true, records: 2 });
  });

  it('writes nothing for a dry run', async () => {
    const sink = new MemorySink();
    const { runner, runs } = auditedRunner(sink, { writeAhead: true });
    const result = await runner.check('pay', { amount: 1, to: 'bob' });
    expect(result.status).toBe('allowed');
    expect(sink.records).toEqual([]);
    expect(runs.count).toBe(0);
  });

  it('adds no decision to calls when writeAhead is off', async () => {
    const sink = new MemorySink();
    const { runner } = auditedRunner(sink);
    const result = await runner.call('pay', { amount: 1, to: 'bob' });
    expect(result.decisions.map((d) => d.gate)).toEqual(['validation', 'policy']);
    expect(outcomes(sink)).toHaveLength(1);
  });
});

describe('AuditGate when the sink fails', () => {
  it('fail-closed write-ahead (the default) blocks the call with store_unavailable and the handler never runs', async () => {
    // A directory where the file should be: every open fails with EISDIR, a real file-system failure.
    const sink = new JsonlFileSink(await tempDir());
    const errors: string[] = [];
    const { runner, runs, audit } = auditedRunner(sink, {
      writeAhead: true,
      onError: (_err, info) => errors.push(`${info.kind}:${info.tool}`),
    });
    const result = await runner.call('pay', { amount: 10, to: 'bob' });
    expect(result).toMatchObject({ status: 'blocked', blockedBy: 'audit', reason: 'store_unavailable' });
    expect(result.message).toMatch(/the audit log is unavailable, so the call did not run/);
    expect(runs.count).toBe(0);
    expect(result.warnings?.some((w) => w.includes('audit failed to record this call'))).toBe(true);
    expect(errors).toEqual(['intent:pay', 'outcome:pay']);
    expect(audit.stats()).toMatchObject({ intents: 0, outcomes: 0, failures: 2 });
    expect(audit.stats().lastError).toMatch(/EISDIR/);
  });

  it('fail-open write-ahead: the call proceeds, the failure is counted and shows in result.warnings', async () => {
    const sink = new JsonlFileSink(await tempDir());
    const { runner, runs, audit } = auditedRunner(sink, {
      writeAhead: true,
      failMode: 'open',
      onError: () => {
        throw new Error('a broken callback must not matter');
      },
    });
    const result = await runner.call('pay', { amount: 10, to: 'bob' });
    expect(result.status).toBe('executed');
    expect(runs.count).toBe(1);
    expect(result.decisions.find((d) => d.gate === 'audit')).toMatchObject({
      outcome: 'allow',
      reason: 'store_unavailable_fail_open',
    });
    expect(result.warnings).toEqual([expect.stringMatching(/audit sink failed to write the outcome record: .*EISDIR/)]);
    expect(audit.stats()).toMatchObject({ failures: 2 });
  });

  it('a sink that rejects with an unprintable value is a counted failure like any other', async () => {
    // String() throws on an object without a prototype: the failure path must not throw in turn.
    const unprintable = Object.create(null) as object;
    const sink = { append: () => Promise.reject(unprintable), flush: async () => {}, close: async () => {} };
    const errors: unknown[] = [];
    const { runner, runs, audit } = auditedRunner(sink, {
      writeAhead: true,
      failMode: 'open',
      onError: (err) => errors.push(err),
    });
    const result = await runner.call('pay', { amount: 10, to: 'bob' });
    expect(result.status).toBe('executed');
    expect(runs.count).toBe(1);
    expect(result.decisions.find((d) => d.gate === 'audit')?.reason).toBe('store_unavailable_fail_open');
    expect(errors).toEqual([unprintable, unprintable]);
    expect(audit.stats()).toMatchObject({ failures: 2, lastError: 'unprintable error' });
  });

  it('a result that cannot be serialized is a counted failure, not a crash', async () => {
    const sink = new MemorySink();
    const { runner, audit } = auditedRunner(sink);
    runner.register({
      name: 'hostile',
      parameters: { type: 'object' },
      handler: () => ({
        get boom() {
          throw new Error('getter exploded');
        },
      }),
    });
    const result = await runner.call('hostile', {});
    expect(result.status).toBe('executed');
    expect(result.warnings?.[0]).toMatch(/getter exploded/);
    expect(audit.stats().failures).toBe(1);
  });
});

describe('AuditGate under concurrency', () => {
  it('1,000 concurrent calls leave one linear chain with exactly one outcome record per call', async () => {
    const file = join(await tempDir(), 'audit.jsonl');
    const sink = new JsonlFileSink(file);
    const { runner } = auditedRunner(sink);
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => runner.call('pay', { amount: i, to: i % 7 === 0 ? 'mallory' : 'bob' })),
    );
    await sink.close();
    const check = await verify(file);
    expect(check).toMatchObject({ ok: true, records: 1000, head: { seq: 1000 } });
    const { readFile } = await import('node:fs/promises');
    const records = (await readFile(file, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditRecord);
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(records.every((r) => r.kind === 'outcome')).toBe(true);
    expect(new Set(records.map((r) => r.callId))).toEqual(new Set(results.map((r) => r.callId)));
  });

  it('two gates sharing one sink share one chain, intents included', async () => {
    const sink = new MemorySink();
    const a = auditedRunner(sink, { writeAhead: true });
    const b = auditedRunner(sink, { writeAhead: true, name: 'audit-b' });
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).runner.call('pay', { amount: i, to: 'bob' })),
    );
    expect(verifyRecords(sink.lines())).toMatchObject({ ok: true, records: 400 });
    const counts = new Map<string, number>();
    for (const r of sink.records) counts.set(r.callId, (counts.get(r.callId) ?? 0) + 1);
    expect([...counts.values()].every((n) => n === 2)).toBe(true);
  });
});
