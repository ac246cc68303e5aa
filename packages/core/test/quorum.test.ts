import {
  type ApprovalQuorum,
  type ApprovalRecord,
  applyDecision,
  type Gate,
  GatedToolRunner,
  MemoryApprovalStore,
  mergeQuorums,
  quorumProblem,
} from '@tollgate/core';
import { describe, expect, it } from 'vitest';
import { echoTool, manualClock } from './helpers.js';

/** A rule-stage gate that asks for `quorum` on every call and records the decisions it is told of. */
function askingGate(quorum: ApprovalQuorum | undefined, name = 'four-eyes') {
  const told: ApprovalRecord[] = [];
  const seen: unknown[] = [];
  const gate: Gate = {
    name,
    stage: 'rule',
    check: (ctx) => {
      seen.push(ctx.approval);
      return { outcome: 'require_approval', reason: 'large_payment', quorum };
    },
    onApprovalDecision: (record) => void told.push(record),
  };
  return { gate, told, seen };
}

function setup(quorum: ApprovalQuorum | null = { required: 2 }) {
  const clock = manualClock();
  const { tool, runs } = echoTool();
  const asking = askingGate(quorum ?? undefined);
  const runner = new GatedToolRunner({ tools: [tool], gates: [asking.gate], clock, approvalTtlMs: 60_000 });
  return { clock, runs, asking, runner };
}

async function ask(runner: GatedToolRunner) {
  const r = await runner.call('pay', { amount: 20_000, to: 'acme' }, { callId: 'call_q', actor: 'clerk' });
  expect(r.status).toBe('approval_required');
  return r.approval!;
}

describe('several approvers (quorum)', () => {
  it('stays pending until two distinct people approved, then resumes once with both named', async () => {
    const { runner, runs, asking } = setup({ required: 2, approvers: ['ann', 'bob', 'cy'] });
    const ticket = await ask(runner);
    expect(ticket.quorum).toEqual({ required: 2, approvers: ['ann', 'bob', 'cy'] });

    const first = await runner.approve(ticket.id, { by: 'ann', comment: 'checked the invoice' });
    expect(first).toMatchObject({ ok: true, approval: { status: 'pending', approvals: [{ by: 'ann' }] } });
    expect(asking.told).toHaveLength(0); // a partial approval is not a decision
    expect((await runner.resume(ticket.id)).reason).toBe('approval_pending');
    expect((await runner.pendingApprovals()).map((a) => a.id)).toEqual([ticket.id]);

    const again = await runner.approve(ticket.id, { by: 'ann' });
    expect(again).toMatchObject({ ok: false, reason: 'approval_duplicate_approver' });

    const second = await runner.approve(ticket.id, { by: 'bob' });
    expect(second).toMatchObject({ ok: true, approval: { status: 'approved', decision: { by: 'bob' } } });
    expect(asking.told.map((r) => r.status)).toEqual(['approved']);
    expect(await runner.approve(ticket.id, { by: 'cy' })).toMatchObject({ reason: 'approval_already_decided' });

    const done = await runner.resume(ticket.id);
    expect(done.status).toBe('executed');
    expect(runs).toHaveLength(1);
    expect(done.decisions.find((d) => d.gate === 'four-eyes')).toMatchObject({
      gate: 'four-eyes',
      reason: 'approved',
      data: { by: 'bob', approvers: ['ann', 'bob'] },
    });
  });

  it('refuses the call’s own actor and anyone not listed, and takes a denial from one approver', async () => {
    const { runner } = setup({ required: 2, approvers: ['ann', 'bob', 'clerk'] });
    const ticket = await ask(runner);
    expect(await runner.approve(ticket.id, { by: 'clerk' })).toMatchObject({
      ok: false,
      reason: 'approval_self_approval',
      message: expect.stringContaining('another person'),
    });
    expect(await runner.approve(ticket.id, { by: 'mallory' })).toMatchObject({ reason: 'approval_not_approver' });
    expect(await runner.deny(ticket.id, { by: 'mallory' })).toMatchObject({ reason: 'approval_not_approver' });
    await runner.approve(ticket.id, { by: 'ann' });
    expect(await runner.deny(ticket.id, { by: 'bob', comment: 'not this week' })).toMatchObject({
      ok: true,
      approval: { status: 'denied', approvals: [{ by: 'ann' }], decision: { by: 'bob', comment: 'not this week' } },
    });
    expect((await runner.resume(ticket.id)).reason).toBe('approval_denied');
  });

  it('with required 1 and no list: anyone but the caller', async () => {
    const { runner } = setup({ required: 1 });
    const ticket = await ask(runner);
    expect((await runner.approve(ticket.id, { by: 'clerk' })).ok).toBe(false);
    expect(await runner.approve(ticket.id, { by: 'ann' })).toMatchObject({
      ok: true,
      approval: { status: 'approved' },
    });
  });

  it('without a quorum, one approval by anyone decides, the caller included (unchanged)', async () => {
    const { runner } = setup(null);
    const ticket = await ask(runner);
    expect(ticket.quorum).toBeUndefined();
    expect(await runner.approve(ticket.id, { by: 'clerk' })).toMatchObject({
      ok: true,
      approval: { status: 'approved' },
    });
  });

  it('an approval still counts only before expiry', async () => {
    const { runner, clock } = setup({ required: 2 });
    const ticket = await ask(runner);
    await runner.approve(ticket.id, { by: 'ann' });
    clock.advance(60_000);
    expect(await runner.approve(ticket.id, { by: 'bob' })).toMatchObject({ reason: 'approval_expired' });
  });

  it('blocks a call whose gate asks with an unusable quorum instead of storing it', async () => {
    for (const quorum of [
      { required: 0 },
      { required: 1.5 },
      { required: 3, approvers: ['a', 'b'] },
      { required: 1, approvers: [''] },
    ]) {
      const { runner } = setup(quorum as ApprovalQuorum);
      const r = await runner.call('pay', { amount: 1, to: 'x' }, { actor: 'clerk' });
      expect(r).toMatchObject({ status: 'blocked', blockedBy: 'four-eyes', reason: 'gate_error' });
      expect(await runner.pendingApprovals()).toEqual([]);
    }
  });

  it('of two approvers at once, both count and exactly one call turns it approved', async () => {
    for (let round = 0; round < 20; round++) {
      const { runner } = setup({ required: 2 });
      const ticket = await ask(runner);
      const answers = await Promise.all([
        runner.approve(ticket.id, { by: 'ann' }),
        runner.approve(ticket.id, { by: 'bob' }),
      ]);
      expect(answers.every((a) => a.ok)).toBe(true);
      expect(answers.filter((a) => a.ok && a.approval.status === 'approved')).toHaveLength(1);
      expect((await runner.getApproval(ticket.id))?.approvals?.map((a) => a.by).sort()).toEqual(['ann', 'bob']);
    }
  });

  it('merges several gates’ quorums into the strictest', async () => {
    expect(mergeQuorums([undefined, { required: 2 }, { required: 1, approvers: ['a', 'b', 'c'] }])).toEqual({
      required: 2,
      approvers: ['a', 'b', 'c'],
    });
    expect(
      mergeQuorums([
        { required: 1, approvers: ['a', 'b'] },
        { required: 1, approvers: ['b', 'c'] },
      ]),
    ).toEqual({
      required: 1,
      approvers: ['b'],
    });
    expect(mergeQuorums([undefined])).toBeUndefined();
    const clock = manualClock();
    const { tool } = echoTool();
    const a = askingGate({ required: 2 }, 'a');
    const b = askingGate({ required: 1, approvers: ['ann', 'bob', 'cy'] }, 'b');
    const runner = new GatedToolRunner({ tools: [tool], gates: [a.gate, b.gate], clock });
    const r = await runner.call('pay', { amount: 1, to: 'x' }, { actor: 'clerk' });
    expect(r.approval?.quorum).toEqual({ required: 2, approvers: ['ann', 'bob', 'cy'] });
  });

  it('applyDecision is pure: the record given is not changed', () => {
    const record: ApprovalRecord = {
      id: 'apr_1',
      status: 'pending',
      tool: 'pay',
      callId: 'c',
      args: {},
      digest: 'd',
      context: { actor: 'clerk' },
      gates: ['g'],
      reason: 'r',
      data: {},
      createdAt: 0,
      expiresAt: 100,
      quorum: { required: 2 },
    };
    const frozen = structuredClone(record);
    const t = applyDecision(record, { by: 'ann', status: 'approved', at: 1 }, 1);
    expect(t).toMatchObject({ ok: true, record: { status: 'pending', approvals: [{ by: 'ann', at: 1 }] } });
    expect(record).toEqual(frozen);
    expect(quorumProblem({ required: 2, approvers: ['a', 'a'] })).toMatch(/fewer/);
    expect(quorumProblem({ required: 2 })).toBeUndefined();
  });

  it('MemoryApprovalStore hands out copies of partial approvals', async () => {
    const store = new MemoryApprovalStore();
    const { runner } = {
      runner: new GatedToolRunner({
        approvals: store,
        tools: [echoTool().tool],
        gates: [askingGate({ required: 3 }).gate],
      }),
    };
    const ticket = await ask(runner);
    const got = await runner.approve(ticket.id, { by: 'ann' });
    if (got.ok) got.approval.approvals!.push({ by: 'forged', at: 0 });
    expect((await store.get(ticket.id, Date.now()))?.approvals).toHaveLength(1);
  });
});
