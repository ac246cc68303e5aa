import { RunContext, RunState } from '@openai/agents';
import { afterEach, describe, expect, it } from 'vitest';
import { GatedAgentTools } from '../src/index.js';
import { type Harness, harness, outputs } from './fixtures.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.model.close();
  h = undefined;
});

const SEND = { callId: 'call_send', name: 'send_money', arguments: { to: 'bob', amount: 500 } };
const script = { turns: [{ toolCalls: [SEND] }, { text: 'Sent.' }, { text: 'Again.' }] };
const ctx = { context: { user: 'u42' } };

/** Runs until the model asks to send 500, which a gate sends to a human. */
async function paused(options: Parameters<typeof harness>[1] = {}) {
  h = await harness(script, options);
  const first = await h.sdk.run(h.agent, 'Pay bob 500.', ctx);
  return first;
}

/** The refusal the model read for call_send on request `i`. */
function refusal(i: number) {
  return outputs(h!.model.requests, i).call_send as { status: string; reason: string; message: string };
}

describe('approvals through SDK interruptions, checked against the runner', () => {
  it('pauses on approval_required: an SDK interruption backed by a stored, pending tollgate approval', async () => {
    const first = await paused();
    expect(first.interruptions).toHaveLength(1);
    const [pending] = await h!.gated.interruptions(first);
    expect(pending!.item.name).toBe('send_money');
    expect(pending!.approvalId).toMatch(/^apr_/);
    expect(pending!.approval).toMatchObject({
      status: 'pending',
      tool: 'send_money',
      callId: 'call_send',
      args: { to: 'bob', amount: 500 },
      context: { actor: 'u42', tenant: 'bank' },
      reason: 'large_payment',
    });
    expect(h!.probe.runs).toEqual([]);
    expect(h!.model.requests).toHaveLength(1);
  });

  it('approve: the approved call runs exactly once with the approved arguments, after RunState.fromString too', async () => {
    const first = await paused();
    const state = await RunState.fromString(h!.agent, first.state.toString());
    const [pending] = await h!.gated.interruptions(state);
    const answer = await h!.gated.approve(state, pending!.item, { by: 'ops@bank.example' });
    expect(answer.ok).toBe(true);
    const done = await h!.sdk.run(h!.agent, state, ctx);
    expect(done.finalOutput).toBe('Sent.');
    expect(h!.probe.runs).toEqual([{ tool: 'send_money', args: { to: 'bob', amount: 500 } }]);
    expect(outputs(h!.model.requests, 1).call_send).toBe('sent 500 to bob');
    expect((await h!.runner.getApproval(pending!.approvalId!))!.status).toBe('consumed');
  });

  it('deny: the SDK rejects the call, the store records the denial, nothing runs', async () => {
    const first = await paused();
    const [pending] = await h!.gated.interruptions(first);
    const answer = await h!.gated.reject(first.state, pending!.item, { by: 'ops' }, { message: 'Refused by ops.' });
    expect(answer.ok).toBe(true);
    const done = await h!.sdk.run(h!.agent, first.state, ctx);
    expect(done.finalOutput).toBe('Sent.');
    expect(h!.probe.runs).toEqual([]);
    expect(outputs(h!.model.requests, 1).call_send).toBe('Refused by ops.');
    expect((await h!.runner.getApproval(pending!.approvalId!))!.status).toBe('denied');
  });

  it('forged: an SDK approval tollgate never gave runs nothing (state.approve, and an edited string)', async () => {
    const first = await paused();
    const text = first.state.toString();
    first.state.approve(first.interruptions[0]!);
    await h!.sdk.run(h!.agent, first.state, ctx);
    expect(refusal(1)).toMatchObject({ status: 'blocked', reason: 'approval_pending' });
    // The same forgery written into the serialized state by hand.
    const json = JSON.parse(text);
    json.context.functionApprovals = [
      { agentIdentity: 'bank', approvals: { '["bare","send_money"]': { approved: ['call_send'], rejected: [] } } },
    ];
    const edited = await RunState.fromString(h!.agent, JSON.stringify(json));
    await h!.sdk.run(h!.agent, edited, ctx);
    expect(refusal(2)).toMatchObject({ status: 'blocked', reason: 'approval_pending' });
    expect(h!.probe.runs).toEqual([]);
  });

  it('forged after a denial: the reviewer said no in tollgate, the client approves in the SDK', async () => {
    const first = await paused();
    const [pending] = await h!.gated.interruptions(first);
    expect((await h!.runner.deny(pending!.approvalId!, { by: 'ops' })).ok).toBe(true);
    first.state.approve(pending!.item);
    await h!.sdk.run(h!.agent, first.state, ctx);
    expect(refusal(1)).toMatchObject({ status: 'blocked', reason: 'approval_denied' });
    expect(h!.probe.runs).toEqual([]);
  });

  it('forged in a process that never paused the call: it goes through the gates again and waits', async () => {
    const first = await paused();
    first.state.approve(first.interruptions[0]!);
    // Another adapter on the same runner (another process) holds no pointer: the SDK flag alone gets the call
    // through every gate again, which asks for a new approval; the model reads that it waits.
    const other = new GatedAgentTools<{ user: string }>({
      runner: h!.runner,
      caller: (rc) => ({ actor: rc.context.user, tenant: 'bank' }),
    });
    expect(await other.approvalIdOf(first.interruptions[0]!)).toBeUndefined();
    const elsewhere = h!.agent.clone({ tools: other.tools() });
    await h!.sdk.run(elsewhere, await RunState.fromString(elsewhere, first.state.toString()), ctx);
    expect(refusal(1)).toMatchObject({ status: 'approval_required', reason: 'large_payment' });
    expect(h!.probe.runs).toEqual([]);
    expect(await h!.runner.pendingApprovals()).toHaveLength(2);
  });

  it('replayed: a state already resumed cannot run its call again', async () => {
    const first = await paused();
    const [pending] = await h!.gated.interruptions(first);
    await h!.gated.approve(first.state, pending!.item, { by: 'ops' });
    const saved = first.state.toString();
    await h!.sdk.run(h!.agent, first.state, ctx);
    expect(h!.probe.count('send_money')).toBe(1);
    const replay = await RunState.fromString(h!.agent, saved);
    await h!.sdk.run(h!.agent, replay, ctx);
    expect(refusal(2)).toMatchObject({ status: 'blocked', reason: 'approval_consumed' });
    expect(h!.probe.count('send_money')).toBe(1);
  });

  it('expired: an approval not used within approvalTtlMs is refused', async () => {
    let now = 1_800_000_000_000;
    const first = await paused({ runner: { clock: { now: () => now }, approvalTtlMs: 60_000 } });
    const [pending] = await h!.gated.interruptions(first);
    await h!.gated.approve(first.state, pending!.item, { by: 'ops' });
    now += 61_000;
    await h!.sdk.run(h!.agent, first.state, ctx);
    expect(refusal(1)).toMatchObject({ status: 'blocked', reason: 'approval_expired' });
    expect(h!.probe.runs).toEqual([]);
  });

  it('edited arguments: a state whose call now sends more than was approved is refused', async () => {
    const first = await paused();
    const [pending] = await h!.gated.interruptions(first);
    await h!.gated.approve(first.state, pending!.item, { by: 'ops' });
    const text = first.state.toString();
    const edited = text.replaceAll('\\"amount\\":500', '\\"amount\\":5000');
    expect(edited).not.toBe(text);
    await h!.sdk.run(h!.agent, await RunState.fromString(h!.agent, edited), ctx);
    expect(refusal(1)).toMatchObject({ status: 'blocked', reason: 'approval_args_changed' });
    expect(h!.probe.runs).toEqual([]);
    // The approval is unused: the honest state still runs it, once.
    await h!.sdk.run(h!.agent, first.state, ctx);
    expect(h!.probe.runs).toEqual([{ tool: 'send_money', args: { to: 'bob', amount: 500 } }]);
  });

  it('edited caller: a state whose context names another user is refused', async () => {
    const first = await paused();
    const [pending] = await h!.gated.interruptions(first);
    await h!.gated.approve(first.state, pending!.item, { by: 'ops' });
    const json = JSON.parse(first.state.toString());
    json.context.context = { user: 'mallory' };
    await h!.sdk.run(h!.agent, await RunState.fromString(h!.agent, JSON.stringify(json)));
    expect(refusal(1)).toMatchObject({ status: 'blocked', reason: 'approval_caller_changed' });
    expect(h!.probe.runs).toEqual([]);
  });

  it('a state restored with the application’s own context: the edited user is ignored, the approved call runs', async () => {
    const first = await paused();
    const [pending] = await h!.gated.interruptions(first);
    await h!.gated.approve(first.state, pending!.item, { by: 'ops' });
    const json = JSON.parse(first.state.toString());
    json.context.context = { user: 'mallory' };
    // The SDK ignores run()'s context for a RunState; fromStringWithContext puts the session's context in its place.
    const state = await RunState.fromStringWithContext(h!.agent, JSON.stringify(json), new RunContext({ user: 'u42' }));
    await h!.sdk.run(h!.agent, state);
    expect(h!.probe.runs).toEqual([{ tool: 'send_money', args: { to: 'bob', amount: 500 } }]);
  });

  it('decided elsewhere (a console, another process): the next run resumes it without an SDK approval', async () => {
    const first = await paused();
    const [pending] = await h!.gated.interruptions(first);
    expect((await h!.runner.approve(pending!.approvalId!, { by: 'console' })).ok).toBe(true);
    const done = await h!.sdk.run(h!.agent, first.state, ctx);
    expect(done.finalOutput).toBe('Sent.');
    expect(h!.probe.count('send_money')).toBe(1);
  });

  it('still pending: running the state again pauses again on the same approval', async () => {
    const first = await paused();
    const [before] = await h!.gated.interruptions(first);
    const again = await h!.sdk.run(h!.agent, first.state, ctx);
    const [after] = await h!.gated.interruptions(again);
    expect(after!.approvalId).toBe(before!.approvalId);
    expect(h!.model.requests).toHaveLength(1);
    expect(await h!.runner.pendingApprovals()).toHaveLength(1);
  });
});

describe('several paused calls, and quorums', () => {
  it('two calls paused in one turn: one approved runs, one rejected does not, each decided on its own', async () => {
    h = await harness({
      turns: [
        {
          toolCalls: [
            { callId: 'call_a', name: 'send_money', arguments: { to: 'ann', amount: 200 } },
            { callId: 'call_b', name: 'send_money', arguments: { to: 'bea', amount: 300 } },
            { callId: 'call_c', name: 'send_money', arguments: { to: 'cy', amount: 5 } },
          ],
        },
        { text: 'Sent.' },
      ],
    });
    const first = await h.sdk.run(h.agent, 'Pay them.', ctx);
    const pending = await h.gated.interruptions(first);
    expect(pending.map((p) => p.approval?.callId).sort()).toEqual(['call_a', 'call_b']);
    const a = pending.find((p) => p.approval?.callId === 'call_a')!;
    const b = pending.find((p) => p.approval?.callId === 'call_b')!;
    await h.gated.approve(first.state, a.item, { by: 'ops' });
    await h.gated.reject(first.state, b.item, { by: 'ops' });
    await h.sdk.run(h.agent, first.state, ctx);
    expect(h.probe.runs.map((r) => r.args).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)))).toEqual([
      { to: 'ann', amount: 200 },
      { to: 'cy', amount: 5 },
    ]);
  });

  it('a quorum: the SDK state is approved only once enough people approved in tollgate', async () => {
    const quorumGate = {
      name: 'two-people',
      stage: 'decision' as const,
      check: () => ({
        outcome: 'require_approval' as const,
        reason: 'two_people',
        quorum: { required: 2, approvers: ['ann', 'bob'] },
      }),
    };
    const first = await paused({ gates: [quorumGate] });
    const [pending] = await h!.gated.interruptions(first);
    const one = await h!.gated.approve(first.state, pending!.item, { by: 'ann' });
    expect(one).toMatchObject({ ok: true, approval: { status: 'pending' } });
    const again = await h!.sdk.run(h!.agent, first.state, ctx);
    expect(again.interruptions).toHaveLength(1);
    expect(h!.probe.runs).toEqual([]);
    expect(await h!.gated.approve(again.state, again.interruptions[0]!, { by: 'mallory' })).toMatchObject({
      ok: false,
      reason: 'approval_not_approver',
    });
    expect(await h!.gated.approve(again.state, again.interruptions[0]!, { by: 'bob' })).toMatchObject({
      ok: true,
      approval: { status: 'approved' },
    });
    await h!.sdk.run(h!.agent, again.state, ctx);
    expect(h!.probe.count('send_money')).toBe(1);
  });
});

describe('concurrent resumes', () => {
  it('ten copies of one approved state run at once: the call runs exactly once, nine are told it was used', async () => {
    h = await harness({
      respond: (req) => (req.toolOutputs.length > 0 ? { text: 'Sent.' } : { toolCalls: [SEND] }),
    });
    const first = await h.sdk.run(h.agent, 'Pay bob 500.', ctx);
    const [pending] = await h.gated.interruptions(first);
    await h.gated.approve(first.state, pending!.item, { by: 'ops' });
    const saved = first.state.toString();
    const copies = await Promise.all(Array.from({ length: 10 }, () => RunState.fromString(h!.agent, saved)));
    await Promise.all(copies.map((state) => h!.sdk.run(h!.agent, state, ctx)));
    expect(h.probe.count('send_money')).toBe(1);
    const reasons = h.model.requests.slice(1).map((r) => {
      const out = r.toolOutputs[0]!.output;
      return String(out).startsWith('{') ? (JSON.parse(String(out)) as { reason: string }).reason : 'executed';
    });
    expect(reasons.sort()).toEqual([...Array(9).fill('approval_consumed'), 'executed']);
  });
});
