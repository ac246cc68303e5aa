import { type ApprovalStore, MemoryApprovalStore, type RunnerOptions } from '@tollgate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type ApprovalChoice, type OpenAIApi, ResumeInputError, type RunState } from '../src/index.js';
import type { ScriptedTurn } from '../src/server/index.js';
import { ask, outputsSent, setup } from './fixtures.js';

const apis: OpenAIApi[] = ['chat', 'responses'];
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/** The model sends 500 to bob and checks a balance in one turn, then reports what it read back. */
const script = (): ScriptedTurn[] => [
  {
    toolCalls: [
      { callId: 'call_send', name: 'send_money', arguments: { to: 'bob', amount: 500 } },
      { callId: 'call_bal', name: 'get_balance', arguments: { account: 'acc_1' } },
    ],
  },
  { text: 'done' },
];

async function paused(api: OpenAIApi, turns = script(), runnerOptions: RunnerOptions = {}) {
  const env = await setup(api, { turns }, {}, runnerOptions);
  cleanup = env.model.close;
  const result = await env.adapter.run(ask(api, 'send 500 to bob and check my balance'));
  // Stored as a client would: through JSON.
  const state = JSON.parse(JSON.stringify(result.state)) as RunState;
  return { ...env, result, state };
}

describe.each(apis)('approvals on %s', (api) => {
  it('pauses after finishing the turn’s other calls, with interruptions and a versioned JSON state', async () => {
    const { model, probe, result, state } = await paused(api);
    expect(result.status).toBe('paused');
    expect(probe.runs).toEqual({ get_balance: 1 });
    expect(model.requests).toHaveLength(1);
    expect(result.interruptions).toEqual([
      {
        approvalId: expect.stringMatching(/^apr_/),
        tool: 'send_money',
        args: { to: 'bob', amount: 500 },
        reason: 'approval_required',
        message: expect.stringContaining('Sends over 100 need a human.'),
        callId: 'call_send',
      },
    ]);
    expect(state).toMatchObject({
      schemaVersion: 1,
      api,
      model: 'gpt-test',
      round: 1,
      approvalIds: [result.interruptions![0]!.approvalId],
    });
    expect(state.turnOutputs[0]).toBeNull();
    expect(result.execution.events.map((r) => r.status)).toEqual(['approval_required', 'executed']);
  });

  it('resumed with approve: runs the call once and shows its output to the model with the others', async () => {
    const { model, probe, adapter, result, state } = await paused(api);
    const id = result.interruptions![0]!.approvalId;
    const resumed = await adapter.resume(state, { [id]: { approve: true, by: 'ops@example.com' } });
    expect(resumed.status).toBe('completed');
    expect(resumed.outputText).toBe('done');
    expect(probe.runs).toEqual({ get_balance: 1, send_money: 1 });
    expect(outputsSent(model.requests, 1)).toEqual([
      { callId: 'call_send', output: 'sent 500 to bob' },
      { callId: 'call_bal', output: '{"account":"acc_1","balance":"12.50"}' },
    ]);
    expect(resumed.execution.events[0]).toMatchObject({ status: 'executed', resumedFrom: id });
    expect((await adapter.runner.getApproval(id))?.decision?.by).toBe('ops@example.com');
  });

  it('resumed with deny: the handler never runs and the model reads the denial', async () => {
    const { model, probe, adapter, result, state } = await paused(api);
    const id = result.interruptions![0]!.approvalId;
    const resumed = await adapter.resume(state, { [id]: { approve: false, by: 'ops@example.com', comment: 'no' } });
    expect(resumed.status).toBe('completed');
    expect(probe.runs.send_money).toBeUndefined();
    const [denial] = outputsSent(model.requests, 1);
    expect(denial!.callId).toBe('call_send');
    expect(JSON.parse(denial!.output)).toMatchObject({ status: 'blocked', reason: 'approval_denied' });
  });

  it('a deny wins over an approval someone else gave first: the call never runs', async () => {
    const { model, probe, adapter, result, state } = await paused(api);
    const id = result.interruptions![0]!.approvalId;
    await adapter.runner.approve(id, { by: 'someone-else' });
    const resumed = await adapter.resume(state, { [id]: { approve: false, by: 'ops@example.com' } });
    expect(resumed.status).toBe('completed');
    expect(probe.runs.send_money).toBeUndefined();
    expect(JSON.parse(outputsSent(model.requests, 1)[0]!.output)).toMatchObject({
      status: 'blocked',
      reason: 'approval_denied',
    });
  });

  it('an edited state approves nothing: changed arguments become approval_args_changed', async () => {
    const { model, probe, adapter, result, state } = await paused(api);
    const id = result.interruptions![0]!.approvalId;
    state.pendingCalls[0]!.args = { to: 'mallory', amount: 500 };
    const resumed = await adapter.resume(state, { [id]: { approve: true, by: 'ops@example.com' } });
    expect(probe.runs.send_money).toBeUndefined();
    expect(resumed.execution.events[0]).toMatchObject({ status: 'blocked', reason: 'approval_args_changed' });
    expect(JSON.parse(outputsSent(model.requests, 1)[0]!.output).reason).toBe('approval_args_changed');
  });

  it('an edited state cannot change who later calls run as: a different caller is refused before anything runs', async () => {
    const { model, probe, adapter, result, state } = await paused(api);
    const id = result.interruptions![0]!.approvalId;
    for (const context of [
      { ...state.context, actor: 'admin' },
      { ...state.context, tenant: 'other-tenant' },
      { ...state.context, scopes: ['payments:unlimited'] },
    ]) {
      await expect(
        adapter.resume({ ...state, context }, { [id]: { approve: true, by: 'ops@example.com' } }),
      ).rejects.toMatchObject({
        name: 'ResumeInputError',
        code: 'invalid_run_state',
      });
    }
    expect(probe.runs.send_money).toBeUndefined();
    expect((await adapter.runner.getApproval(id))?.status).toBe('pending');
    expect(model.requests).toHaveLength(1);
    // The untouched state still resumes.
    const resumed = await adapter.resume(state, { [id]: { approve: true, by: 'ops@example.com' } });
    expect(probe.runs.send_money).toBe(1);
    expect(resumed.status).toBe('completed');
  });

  it('a made-up state whose approval the runner never stored is refused', async () => {
    const { adapter, probe, state } = await paused(api);
    const forged = {
      ...state,
      approvalIds: ['apr_forged'],
      pendingCalls: [{ ...state.pendingCalls[0]!, approvalId: 'apr_forged' }],
    };
    await expect(adapter.resume(forged, { apr_forged: { approve: true, by: 'x' } })).rejects.toMatchObject({
      code: 'invalid_run_state',
    });
    expect(probe.runs.send_money).toBeUndefined();
  });

  it('an approval is single use, and a resumed state cannot be replayed for more rounds', async () => {
    const { model, probe, adapter, result, state } = await paused(api, [...script(), { text: 'again' }]);
    const id = result.interruptions![0]!.approvalId;
    await adapter.resume(state, { [id]: { approve: true, by: 'ops@example.com' } });
    expect(model.requests).toHaveLength(2);
    for (const replay of [state, { ...state, round: 0 }]) {
      await expect(adapter.resume(replay, { [id]: { approve: true, by: 'ops@example.com' } })).rejects.toMatchObject({
        name: 'ResumeInputError',
      });
    }
    await expect(adapter.resume(state)).rejects.toMatchObject({ code: 'run_state_used' });
    expect(probe.runs.send_money).toBe(1);
    expect(model.requests).toHaveLength(2);
  });

  it('an edited round is refused: the state cannot buy itself more tool rounds', async () => {
    const { model, probe, adapter, result, state } = await paused(api);
    const id = result.interruptions![0]!.approvalId;
    await expect(
      adapter.resume({ ...state, round: 0 }, { [id]: { approve: true, by: 'ops@example.com' } }),
    ).rejects.toMatchObject({ code: 'invalid_run_state', message: expect.stringMatching(/tool round/) });
    expect(probe.runs.send_money).toBeUndefined();
    expect(model.requests).toHaveLength(1);
    expect((await adapter.runner.getApproval(id))?.status).toBe('pending');
  });

  it('an unreadable approval store refuses the resume: a forged caller never runs on its word', async () => {
    const store = new FlakyStore();
    const { model, probe, adapter, result, state } = await paused(api, script(), { approvals: store });
    const id = result.interruptions![0]!.approvalId;
    await adapter.runner.approve(id, { by: 'ops@example.com' });
    store.failReads = true;
    const forged = { ...state, context: { ...state.context, actor: 'admin', scopes: ['admin'] } };
    for (const s of [forged, state]) {
      await expect(adapter.resume(s)).rejects.toMatchObject({ code: 'approval_store_error' });
    }
    expect(probe.runs.send_money).toBeUndefined();
    expect(model.requests).toHaveLength(1);
    store.failReads = false;
    await expect(adapter.resume(forged)).rejects.toMatchObject({ code: 'invalid_run_state' });
    expect((await adapter.resume(state)).status).toBe('completed');
    expect(probe.runs.send_money).toBe(1);
  });

  it('an approval id borrowed from another call cannot run this one', async () => {
    const { model, probe, adapter, result, state } = await paused(api);
    const id = result.interruptions![0]!.approvalId;
    state.pendingCalls[0]!.callId = 'call_other';
    state.turnOutputs = [null, state.turnOutputs[1]!];
    const resumed = await adapter.resume(state, { [id]: { approve: true, by: 'ops@example.com' } });
    expect(resumed.status).toBe('completed');
    expect(probe.runs.send_money).toBeUndefined();
    expect(JSON.parse(outputsSent(model.requests, 1)[0]!.output).reason).toBe('approval_mismatch');
  });

  it('stays paused for undecided calls, and resumes calls decided elsewhere', async () => {
    const { probe, adapter, result, state } = await paused(api);
    const id = result.interruptions![0]!.approvalId;
    const still = await adapter.resume(state);
    expect(still.status).toBe('paused');
    expect(still.response).toBeUndefined();
    expect(still.interruptions?.map((i) => i.approvalId)).toEqual([id]);
    await adapter.runner.approve(id, { by: 'dashboard' });
    const resumed = await adapter.resume(still.state!);
    expect(resumed.status).toBe('completed');
    expect(probe.runs.send_money).toBe(1);
  });

  it('refuses a state that is not one, or decisions for approvals it does not hold, before doing anything', async () => {
    const { adapter, probe, state } = await paused(api);
    await expect(adapter.resume({ ...state, schemaVersion: 2 } as unknown as RunState)).rejects.toMatchObject({
      code: 'invalid_run_state',
    });
    await expect(adapter.resume(state, { apr_made_up: { approve: true, by: 'x' } })).rejects.toBeInstanceOf(
      ResumeInputError,
    );
    const id = state.approvalIds[0]!;
    const unfilled = { ...state, turnOutputs: [null, null] };
    await expect(adapter.resume(unfilled, { [id]: { approve: true, by: 'x' } })).rejects.toMatchObject({
      code: 'invalid_run_state',
    });
    const twice = { ...state, pendingCalls: [state.pendingCalls[0]!, state.pendingCalls[0]!] };
    await expect(adapter.resume(twice, { [id]: { approve: true, by: 'x' } })).rejects.toMatchObject({
      code: 'invalid_run_state',
    });
    expect(probe.runs.send_money).toBeUndefined();
    const other = api === 'chat' ? 'responses' : 'chat';
    await expect(adapter.resume({ ...state, api: other } as RunState)).rejects.toMatchObject({
      code: 'invalid_run_state',
    });
  });

  it.each([
    { approve: 'false', by: 'ops@example.com' },
    { approve: 1, by: 'ops@example.com' },
    { approve: true, by: '' },
    { approve: true },
    null,
  ])('refuses the malformed decision %j before deciding or running anything', async (choice) => {
    const { model, probe, adapter, result, state } = await paused(api);
    const id = result.interruptions![0]!.approvalId;
    const decisions = { [id]: choice } as unknown as Record<string, ApprovalChoice>;
    await expect(adapter.resume(state, decisions)).rejects.toMatchObject({
      name: 'ResumeInputError',
      code: 'invalid_decision',
    });
    expect(probe.runs.send_money).toBeUndefined();
    expect((await adapter.runner.getApproval(id))?.status).toBe('pending');
    expect(model.requests).toHaveLength(1);
  });

  it('runWithApproval asks the callback per interruption and finishes the run', async () => {
    const env = await setup(api, { turns: script() });
    cleanup = env.model.close;
    const asked: string[] = [];
    const result = await env.adapter.runWithApproval(ask(api, 'send 500 to bob'), (interruption, state) => {
      asked.push(`${interruption.tool}:${interruption.args.amount}:${state.schemaVersion}`);
      return { approve: true, by: 'ops@example.com' };
    });
    expect(asked).toEqual(['send_money:500:1']);
    expect(result.status).toBe('completed');
    expect(env.probe.runs.send_money).toBe(1);
    expect(outputsSent(env.model.requests, 1)[0]!.output).toBe('sent 500 to bob');
  });
});

/** An approval store whose reads can be made to fail, as a Redis that stops answering. */
class FlakyStore extends MemoryApprovalStore implements ApprovalStore {
  failReads = false;

  override async get(id: string, now: number) {
    if (this.failReads) throw new Error('connection refused');
    return super.get(id, now);
  }
}
