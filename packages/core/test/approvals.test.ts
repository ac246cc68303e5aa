import {
  type ApprovalRecord,
  approvalDigest,
  type Gate,
  GatedToolRunner,
  MemoryApprovalStore,
  sha256Canonical,
} from '@tollgate/core';
import { describe, expect, it } from 'vitest';
import { countingGate, echoTool, manualClock } from './helpers.js';

const args = { amount: 5000, to: 'mallory' };

/** A rule-stage gate that asks for approval above 1,000 and counts how often it was asked. */
function reviewGate() {
  const state = { checks: 0, decided: [] as ApprovalRecord[] };
  const gate: Gate = {
    name: 'review',
    stage: 'rule',
    check: (ctx) => {
      state.checks++;
      return (ctx.args.amount as number) > 1000
        ? {
            outcome: 'require_approval',
            reason: 'large_payment',
            message: 'Payments above 1,000 need a human.',
            data: { limit: 1000 },
          }
        : { outcome: 'allow', reason: 'ok' };
    },
    onApprovalDecision: (record) => void state.decided.push(record),
  };
  return { gate, state };
}

function setup(ttl = 60_000) {
  const clock = manualClock();
  const { tool, runs } = echoTool();
  const review = reviewGate();
  const rate = countingGate('rate', 'rate');
  const runner = new GatedToolRunner({ tools: [tool], gates: [rate.gate, review.gate], clock, approvalTtlMs: ttl });
  return { clock, runs, review, rate, runner };
}

async function pending(runner: GatedToolRunner) {
  const r = await runner.call('pay', args, {
    callId: 'call_big',
    actor: 'agent-7',
    tenant: 'acme',
    scopes: ['payments'],
  });
  expect(r.status).toBe('approval_required');
  return r.approval!;
}

describe('approval lifecycle', () => {
  it('approve then resume: re-validates, re-runs the other gates, skips the asker, executes once', async () => {
    const { runner, runs, review, rate } = setup();
    const ticket = await pending(runner);
    expect(rate.state).toMatchObject({ held: 0, released: 1 }); // the paused call holds nothing
    expect(ticket.digest).toBe(
      approvalDigest({
        tool: 'pay',
        callId: 'call_big',
        args,
        caller: { actor: 'agent-7', tenant: 'acme', scopes: ['payments'] },
      }),
    );

    const approved = await runner.approve(ticket.id, { by: 'ops@bank', comment: 'verified by phone' });
    expect(approved).toMatchObject({
      ok: true,
      approval: { status: 'approved', decision: { by: 'ops@bank', status: 'approved' } },
    });
    expect(review.state.decided.map((r) => r.status)).toEqual(['approved']);

    const r = await runner.resume(ticket.id);
    expect(r).toMatchObject({ status: 'executed', callId: 'call_big', resumedFrom: ticket.id, result: { paid: 5000 } });
    expect(runs).toEqual([args]);
    expect(review.state.checks).toBe(1);
    expect(rate.state.committed).toBe(1);
    expect(r.decisions.find((d) => d.gate === 'review')).toMatchObject({
      reason: 'approved',
      data: { by: 'ops@bank' },
    });
    expect(await runner.getApproval(ticket.id)).toMatchObject({ status: 'consumed' });
  });

  it('keeps the caller context: the resumed call runs as the same actor and tenant', async () => {
    const { runner } = setup();
    let seen: unknown;
    runner.use({
      name: 'spy',
      stage: 'decision',
      check: (ctx) => {
        seen = { actor: ctx.actor, tenant: ctx.tenant, scopes: ctx.scopes };
        return { outcome: 'allow', reason: 'ok' };
      },
    });
    const ticket = await pending(runner);
    await runner.approve(ticket.id, { by: 'ops' });
    await runner.resume(ticket.id);
    expect(seen).toEqual({ actor: 'agent-7', tenant: 'acme', scopes: ['payments'] });
  });

  it('refuses a second resume: an approval runs its call once', async () => {
    const { runner, runs } = setup();
    const ticket = await pending(runner);
    await runner.approve(ticket.id, { by: 'ops' });
    await runner.resume(ticket.id);
    const again = await runner.resume(ticket.id);
    expect(again).toMatchObject({ status: 'blocked', blockedBy: 'approval', reason: 'approval_consumed' });
    expect(runs).toHaveLength(1);
  });

  it('lets exactly one of many concurrent resumes execute', async () => {
    const { runner, runs } = setup();
    const ticket = await pending(runner);
    await runner.approve(ticket.id, { by: 'ops' });
    const results = await Promise.all(Array.from({ length: 50 }, () => runner.resume(ticket.id)));
    expect(results.filter((r) => r.status === 'executed')).toHaveLength(1);
    expect(results.filter((r) => r.reason === 'approval_consumed')).toHaveLength(49);
    expect(runs).toHaveLength(1);
  });

  it('deny: resume is refused with approval_denied and the gate hears of it', async () => {
    const { runner, runs, review } = setup();
    const ticket = await pending(runner);
    expect(await runner.deny(ticket.id, { by: 'ops', comment: 'unknown payee' })).toMatchObject({ ok: true });
    expect(review.state.decided.map((r) => r.status)).toEqual(['denied']);
    const r = await runner.resume(ticket.id);
    expect(r).toMatchObject({ status: 'blocked', reason: 'approval_denied', blockedBy: 'approval' });
    expect(r.message).toMatch(/denied/);
    expect(runs).toHaveLength(0);
  });

  it('a decision is final: approving a denied approval is refused', async () => {
    const { runner } = setup();
    const ticket = await pending(runner);
    await runner.deny(ticket.id, { by: 'a' });
    expect(await runner.approve(ticket.id, { by: 'b' })).toMatchObject({
      ok: false,
      reason: 'approval_already_decided',
    });
  });

  it('expiry counts as denied: no approve, no resume', async () => {
    const { runner, clock, runs } = setup(1_000);
    const ticket = await pending(runner);
    clock.advance(1_000);
    expect(await runner.getApproval(ticket.id)).toMatchObject({ status: 'expired' });
    expect(await runner.approve(ticket.id, { by: 'late' })).toMatchObject({ ok: false, reason: 'approval_expired' });
    expect(await runner.resume(ticket.id)).toMatchObject({ status: 'blocked', reason: 'approval_expired' });
    expect(runs).toHaveLength(0);
  });

  it('an approved but unused approval also expires', async () => {
    const { runner, clock } = setup(1_000);
    const ticket = await pending(runner);
    await runner.approve(ticket.id, { by: 'ops' });
    clock.advance(2_000);
    expect(await runner.resume(ticket.id)).toMatchObject({ reason: 'approval_expired' });
  });

  it('refuses changed arguments: the approval is bound to the digest of the exact arguments', async () => {
    const { runner, runs } = setup();
    const ticket = await pending(runner);
    await runner.approve(ticket.id, { by: 'ops' });
    const changed = await runner.resume(ticket.id, { expect: { args: { amount: 5000, to: 'attacker' } } });
    expect(changed).toMatchObject({ status: 'blocked', reason: 'approval_args_changed' });
    // Key order does not matter (RFC 8785 canonical form); the same arguments still go through.
    const same = await runner.resume(ticket.id, { expect: { args: '{"to":"mallory","amount":5000}' } });
    expect(same.status).toBe('executed');
    expect(runs).toEqual([args]);
  });

  it('refuses a record whose stored arguments were edited behind the runner', async () => {
    const store = new MemoryApprovalStore();
    const { tool, runs } = echoTool();
    const runner = new GatedToolRunner({ tools: [tool], gates: [reviewGate().gate], approvals: store });
    const ticket = (await runner.call('pay', args)).approval!;
    await runner.approve(ticket.id, { by: 'ops' });
    // Tamper with the stored record (as an attacker with store access would).
    const inner = (store as unknown as { records: Map<string, ApprovalRecord> }).records.get(ticket.id)!;
    inner.args = { amount: 5000, to: 'attacker' };
    expect(await runner.resume(ticket.id)).toMatchObject({ reason: 'approval_args_changed' });
    expect(runs).toHaveLength(0);
  });

  it('pending and unknown approvals are refused with their own reasons', async () => {
    const { runner } = setup();
    const ticket = await pending(runner);
    expect(await runner.resume(ticket.id)).toMatchObject({ status: 'blocked', reason: 'approval_pending' });
    expect(await runner.resume('apr_nope')).toMatchObject({ status: 'blocked', reason: 'approval_not_found' });
    expect(await runner.approve('apr_nope', { by: 'x' })).toMatchObject({ ok: false, reason: 'approval_not_found' });
    expect(await runner.approve(ticket.id, { by: '' })).toMatchObject({ ok: false, reason: 'invalid_decision' });
  });

  it('lists pending approvals, oldest first, and drops decided ones', async () => {
    const { runner } = setup();
    const a = await pending(runner);
    const b = await pending(runner);
    expect((await runner.pendingApprovals()).map((r) => r.id)).toEqual([a.id, b.id]);
    await runner.approve(a.id, { by: 'ops' });
    expect((await runner.pendingApprovals()).map((r) => r.id)).toEqual([b.id]);
  });

  it('lists at most `limit` pending approvals, none for a limit of 0 (as the Redis store does)', async () => {
    const { runner } = setup();
    const a = await pending(runner);
    await pending(runner);
    expect((await runner.pendingApprovals(1)).map((r) => r.id)).toEqual([a.id]);
    expect(await runner.pendingApprovals(0)).toEqual([]);
  });

  it('a resumed call can still be blocked by a gate that now says no, and keeps the approval unused', async () => {
    const { runner, runs } = setup();
    let open = true;
    runner.use({
      name: 'limits',
      stage: 'budget',
      check: () => (open ? { outcome: 'allow', reason: 'ok' } : { outcome: 'block', reason: 'budget_exceeded' }),
    });
    const ticket = await pending(runner);
    await runner.approve(ticket.id, { by: 'ops' });
    open = false;
    expect(await runner.resume(ticket.id)).toMatchObject({ status: 'blocked', reason: 'budget_exceeded' });
    expect(await runner.getApproval(ticket.id)).toMatchObject({ status: 'approved' });
    open = true;
    expect(await runner.resume(ticket.id)).toMatchObject({ status: 'executed' });
    expect(runs).toHaveLength(1);
  });

  it('fails closed when the approval store cannot save', async () => {
    const store = new MemoryApprovalStore();
    store.create = () => Promise.reject(new Error('store down'));
    const { tool, runs } = echoTool();
    const runner = new GatedToolRunner({ tools: [tool], gates: [reviewGate().gate], approvals: store });
    const r = await runner.call('pay', args);
    expect(r).toMatchObject({ status: 'blocked', reason: 'approval_store_error' });
    expect(runs).toHaveLength(0);
  });

  it('reports a failing onApprovalDecision as a warning; the decision stands', async () => {
    const { tool } = echoTool();
    const gate: Gate = {
      name: 'remote',
      stage: 'decision',
      check: () => ({ outcome: 'require_approval', reason: 'review', data: { request_id: 'req_1' } }),
      onApprovalDecision: () => {
        throw new Error('remote unreachable');
      },
    };
    const runner = new GatedToolRunner({ tools: [tool], gates: [gate] });
    const ticket = (await runner.call('pay', args)).approval!;
    expect(ticket.data).toEqual({ remote: { request_id: 'req_1' } });
    const res = await runner.approve(ticket.id, { by: 'ops' });
    expect(res).toMatchObject({ ok: true, warnings: ['remote.onApprovalDecision failed: remote unreachable'] });
  });
});

describe('digest', () => {
  it('is SHA-256 over RFC 8785 canonical JSON, independent of key order', () => {
    expect(sha256Canonical({ b: 1, a: [true, null] })).toBe(sha256Canonical({ a: [true, null], b: 1 }));
    // RFC 8785 §3.2.2.3 number form: 1e21 serializes as 1e+21, 0.1+0.2 keeps its shortest form.
    const d = (callId: string, args: unknown, caller = {}) => approvalDigest({ tool: 't', callId, args, caller });
    expect(d('c', { x: 1e21 })).toBe(d('c', JSON.parse('{"x":1E21}')));
    expect(d('c', { x: 1 })).not.toBe(d('c2', { x: 1 }));
    expect(d('c', { x: 1 }, { actor: 'a' })).not.toBe(d('c', { x: 1 }, { actor: 'b' }));
  });
});
