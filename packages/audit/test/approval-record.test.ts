import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditGate, JsonlFileSink, MemorySink, verify } from '../src/index.js';
import { auditedRunner, tempDir } from './helpers.js';

describe('approval records', () => {
  it('record who decided, what, and their comment, in the chain beside the call’s records', async () => {
    const file = join(await tempDir(), 'audit.jsonl');
    const sink = new JsonlFileSink(file);
    const { runner, audit, clock } = auditedRunner(sink);
    const waiting = await runner.call('pay', { amount: 5000, to: 'bob' }, { actor: 'agent-7', traceId: 'trace_1' });
    const id = waiting.approval!.id;
    const answer = await runner.deny(id, { by: 'alice', comment: 'call the customer; card 4111 1111 1111 1111' });
    if (!answer.ok) throw new Error(answer.message);
    const sealed = await audit.recordApproval(
      answer.approval,
      { by: 'alice', said: 'denied', comment: answer.approval.decision?.comment },
      clock.now(),
    );
    await sink.close();

    expect(sealed).toMatchObject({
      kind: 'approval',
      callId: waiting.callId,
      traceId: 'trace_1',
      tool: 'pay',
      actor: 'agent-7',
      approvalId: id,
      args: { amount: 5000, to: 'bob' },
      approval: { status: 'denied', by: 'alice', said: 'denied' },
    });
    expect(sealed.approval?.comment).not.toContain('4111 1111 1111 1111'); // comments are redacted like messages
    expect(audit.stats()).toMatchObject({ outcomes: 1, approvals: 1, failures: 0 });
    expect(await verify(file)).toMatchObject({ ok: true, records: 2 });
  });

  it('counts a failed write and rejects, so the reviewer can be told', async () => {
    const sink = new MemorySink();
    await sink.close();
    const errors: string[] = [];
    const audit = new AuditGate({ sink, onError: (_e, info) => errors.push(info.kind) });
    const record = {
      id: 'apr_1',
      status: 'approved' as const,
      tool: 'pay',
      callId: 'call_1',
      args: {},
      digest: 'd',
      context: {},
      gates: ['rule'],
      reason: 'r',
      data: {},
      createdAt: 0,
      expiresAt: 1,
    };
    await expect(audit.recordApproval(record, { by: 'alice', said: 'approved' })).rejects.toThrow(/approval record/);
    expect(errors).toEqual(['approval']);
    expect(audit.stats()).toMatchObject({ approvals: 0, failures: 1 });
  });
});
