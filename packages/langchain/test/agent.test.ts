import { Command } from '@langchain/langgraph';
import type { ScriptedTurn } from '@tollgate/openai/server';
import { humanInTheLoopMiddleware, ToolMessage } from 'langchain';
import { afterEach, describe, expect, it } from 'vitest';
import type { TollgateInterrupt } from '../src/index.js';
import { type SetupOptions, setup, thread } from './fixtures.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function start(turns: ScriptedTurn[], options: SetupOptions = {}) {
  const env = await setup({ turns }, options);
  cleanup = env.model.close;
  return env;
}

const ask = (content: string) => ({ messages: [{ role: 'user', content }] });
const resume = (...decisions: unknown[]) => new Command({ resume: { decisions } });

/** The interrupt a paused invoke returned (LangGraph puts it under `__interrupt__`). */
function interruptOf(out: unknown): TollgateInterrupt {
  const value = (out as { __interrupt__?: { value: TollgateInterrupt }[] }).__interrupt__?.[0]?.value;
  if (!value) throw new Error('the run did not pause');
  return value;
}

/** The tool message answering `callId` in the final state, its content parsed when it is JSON. */
function answer(out: { messages: unknown[] }, callId: string) {
  const message = out.messages.find((m): m is ToolMessage => ToolMessage.isInstance(m) && m.tool_call_id === callId);
  if (!message) throw new Error(`no tool message for ${callId}`);
  const text = String(message.content);
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: message.status, content: parsed, artifact: message.artifact?.tollgate };
}

const send = (amount: number, callId = 'call_send'): ScriptedTurn => ({
  toolCalls: [{ callId, name: 'send_money', arguments: { to: 'bob', amount } }],
});

describe('tool calls through the runner', () => {
  it('executed: an allowed call runs once and the model reads its output', async () => {
    const env = await start([
      { toolCalls: [{ callId: 'call_bal', name: 'get_balance', arguments: { account: 'acc_1' } }] },
      { text: 'You have 12.50.' },
    ]);
    const results: string[] = [];
    env.runner.onDecision((e) => {
      if (e.type === 'result') results.push(e.result.status);
    });
    const out = await env.agent.invoke(ask('balance?'), thread('t-exec'));
    expect(env.ran).toEqual(['get_balance acc_1']);
    expect(results).toEqual(['executed']);
    expect(out.messages.at(-1)?.content).toBe('You have 12.50.');
    expect(env.model.requests[1]!.toolOutputs).toEqual([
      { callId: 'call_bal', output: '{"account":"acc_1","balance":"12.50"}' },
    ]);
  });

  it('blocked: a rule stops the call, the tool never runs, and the model reads why', async () => {
    const env = await start([
      { toolCalls: [{ callId: 'call_del', name: 'delete_account', arguments: { account: 'acc_1' } }] },
      { text: 'I cannot delete accounts.' },
    ]);
    const out = await env.agent.invoke(ask('delete my account'), thread('t-block'));
    expect(env.ran).toEqual([]);
    expect(answer(out, 'call_del')).toEqual({
      status: 'error',
      content: { status: 'blocked', reason: 'policy_denied', message: 'Deleting accounts is not allowed.' },
      artifact: expect.objectContaining({ status: 'blocked', reason: 'policy_denied', blockedBy: 'rule' }),
    });
    expect(JSON.parse(String(env.model.requests[1]!.toolOutputs[0]!.output))).toMatchObject({
      reason: 'policy_denied',
    });
  });

  it('blocked: arguments that fail the zod schema never reach the tool; an unregistered tool is refused', async () => {
    const env = await start([
      {
        toolCalls: [
          { callId: 'call_neg', name: 'send_money', arguments: { to: 'bob', amount: -5 } },
          { callId: 'call_x', name: 'wire_abroad', arguments: { to: 'eve' } },
        ],
      },
      { text: 'ok' },
    ]);
    const out = await env.agent.invoke(ask('send -5 to bob'), thread('t-invalid'));
    expect(env.ran).toEqual([]);
    expect(answer(out, 'call_neg').artifact).toMatchObject({ status: 'blocked', blockedBy: 'validation' });
    expect(answer(out, 'call_x').artifact).toMatchObject({ status: 'blocked', blockedBy: 'registry' });
  });

  it('tool_error: a tool that throws becomes an error message, and the run goes on', async () => {
    const env = await start([{ toolCalls: [{ callId: 'call_f', name: 'flaky', arguments: {} }] }, { text: 'sorry' }]);
    const out = await env.agent.invoke(ask('try it'), thread('t-error'));
    expect(env.ran).toEqual(['flaky']);
    expect(answer(out, 'call_f')).toMatchObject({
      status: 'error',
      content: { status: 'tool_error', message: expect.stringContaining('the ledger is down') },
    });
    expect(out.messages.at(-1)?.content).toBe('sorry');
  });
});

describe('the output stage', () => {
  it('transforms what the model reads, and a failing transform withholds the output', async () => {
    const env = await start(
      [
        {
          toolCalls: [
            { callId: 'call_bal', name: 'get_balance', arguments: { account: 'acc_1' } },
            { callId: 'call_del', name: 'delete_account', arguments: { account: 'acc_1' } },
          ],
        },
        { text: 'ok' },
      ],
      {
        middleware: {
          outputStage: [
            (text) => `<<${text}>>`,
            (text, info) => {
              if (info.status === 'blocked') throw new Error('detector down');
              return text;
            },
          ],
        },
      },
    );
    const out = await env.agent.invoke(ask('balance, then delete'), thread('t-stage'));
    expect(answer(out, 'call_bal').content).toBe('<<{"account":"acc_1","balance":"12.50"}>>');
    expect(answer(out, 'call_del').content).toMatchObject({
      status: 'withheld',
      reason: 'tool_output_transform_failed',
    });
    expect(env.model.requests[1]!.toolOutputs.map((o) => String(o.output).slice(0, 2))).toEqual(['<<', '{"']);
  });
});

describe('approvals as LangChain interrupts', () => {
  async function paused(turns: ScriptedTurn[] = [send(500), { text: 'done' }], options: SetupOptions = {}) {
    const env = await start(turns, options);
    const config = thread(`t-${Math.random()}`);
    const out = await env.agent.invoke(ask('send 500 to bob'), config);
    const request = interruptOf(out);
    return { ...env, config, request, approvalId: request.actionRequests[0]!.approvalId };
  }

  it('pauses with a HITLRequest naming the approval; the model is not called meanwhile', async () => {
    const { request, ran, model, runner, approvalId } = await paused();
    expect(request).toEqual({
      actionRequests: [
        {
          name: 'send_money',
          args: { to: 'bob', amount: 500 },
          description: expect.stringContaining('Payments above 100 need a human.'),
          approvalId: expect.stringMatching(/^apr_/),
          callId: 'call_send',
          reason: 'large_payment',
          expiresAt: expect.any(Number),
        },
      ],
      reviewConfigs: [{ actionName: 'send_money', allowedDecisions: ['approve', 'edit', 'reject'] }],
    });
    expect(ran).toEqual([]);
    expect(model.requests).toHaveLength(1);
    expect((await runner.getApproval(approvalId))?.status).toBe('pending');
  });

  it('approve: the call runs exactly once, recorded as approved by whom', async () => {
    const env = await paused();
    const out = await env.agent.invoke(resume({ type: 'approve', by: 'ann@bank.example' }), env.config);
    expect(env.ran).toEqual(['send_money bob 500']);
    expect(out.messages.at(-1)?.content).toBe('done');
    expect(env.model.requests[1]!.toolOutputs).toEqual([{ callId: 'call_send', output: 'sent 500 to bob' }]);
    const record = await env.runner.getApproval(env.approvalId);
    expect(record).toMatchObject({ status: 'consumed', decision: { by: 'ann@bank.example' } });
  });

  it('reject: the tool never runs and the model reads the reviewer’s message', async () => {
    const env = await paused();
    const out = await env.agent.invoke(resume({ type: 'reject', message: 'Bob is not a payee.' }), env.config);
    expect(env.ran).toEqual([]);
    expect(answer(out, 'call_send')).toMatchObject({
      status: 'error',
      content: 'Bob is not a payee.',
      artifact: { status: 'blocked', reason: 'approval_denied' },
    });
    expect((await env.runner.getApproval(env.approvalId))?.status).toBe('denied');
  });

  it('edit: the edited call is a new call; below the threshold it runs, and the model sees what ran', async () => {
    const env = await paused();
    const out = await env.agent.invoke(
      resume({ type: 'edit', editedAction: { name: 'send_money', args: { to: 'bob', amount: 50 } } }),
      env.config,
    );
    expect(env.ran).toEqual(['send_money bob 50']);
    expect((await env.runner.getApproval(env.approvalId))?.status).toBe('denied');
    const sent = env.model.requests[1]!.conversation;
    const call = sent.find((m) => m.role === 'assistant') as { tool_calls: { function: { arguments: string } }[] };
    expect(JSON.parse(call.tool_calls[0]!.function.arguments)).toEqual({ to: 'bob', amount: 50 });
    expect(answer(out, 'call_send').content).toBe('sent 50 to bob');
  });

  it('edit: an edit that breaks a rule is blocked by the gates (the LangChain edit bypass, closed)', async () => {
    const env = await paused();
    const out = await env.agent.invoke(
      resume({ type: 'edit', editedAction: { name: 'send_money', args: { to: 'bob', amount: 5000 } } }),
      env.config,
    );
    expect(env.ran).toEqual([]);
    expect(answer(out, 'call_send').artifact).toMatchObject({ status: 'blocked', reason: 'payment_too_large' });
  });

  it('edit: an edit that still needs approval interrupts again with its own approval', async () => {
    const env = await paused();
    const again = await env.agent.invoke(
      resume({ type: 'edit', editedAction: { name: 'send_money', args: { to: 'bob', amount: 200 } } }),
      env.config,
    );
    const second = interruptOf(again).actionRequests[0]!;
    expect(second).toMatchObject({ args: { to: 'bob', amount: 200 }, reason: 'large_payment' });
    expect(second.approvalId).not.toBe(env.approvalId);
    expect(env.ran).toEqual([]);
    await env.agent.invoke(resume({ type: 'approve' }), env.config);
    expect(env.ran).toEqual(['send_money bob 200']);
  });

  it('forged: a decision naming an approval that does not exist runs nothing', async () => {
    const env = await paused();
    const out = await env.agent.invoke(resume({ type: 'approve', approvalId: 'apr_forged' }), env.config);
    expect(env.ran).toEqual([]);
    expect(answer(out, 'call_send').artifact).toMatchObject({ status: 'blocked', reason: 'approval_not_found' });
    expect((await env.runner.getApproval(env.approvalId))?.status).toBe('pending');
  });

  it('forged: another thread’s approval for the same call id is neither approved nor used', async () => {
    const env = await paused([send(500), send(500), { text: 'done' }]);
    const other = thread('t-other');
    const theirs = interruptOf(await env.agent.invoke(ask('send 500 to bob'), other)).actionRequests[0]!;
    expect(theirs.callId).toBe('call_send');
    const out = await env.agent.invoke(resume({ type: 'approve', approvalId: theirs.approvalId }), env.config);
    expect(env.ran).toEqual([]);
    expect(answer(out, 'call_send').artifact).toMatchObject({ status: 'blocked', reason: 'approval_pending' });
    expect((await env.runner.getApproval(theirs.approvalId))?.status).toBe('pending');
    expect((await env.runner.getApproval(env.approvalId))?.status).toBe('pending');
  });

  it('replayed: resuming again from the paused checkpoint runs nothing twice', async () => {
    const env = await paused([send(500), { text: 'done' }, { text: 'done again' }]);
    // getState's declared type is `never` here (langchain 1.5 typing); it returns a StateSnapshot.
    const pausedAt = (await env.agent.getState(env.config)) as unknown as { config: ReturnType<typeof thread> };
    await env.agent.invoke(resume({ type: 'approve' }), env.config);
    expect(env.ran).toEqual(['send_money bob 500']);
    const replay = await env.agent.invoke(resume({ type: 'approve' }), pausedAt.config);
    expect(env.ran).toEqual(['send_money bob 500']);
    expect(answer(replay, 'call_send').artifact).toMatchObject({ status: 'blocked', reason: 'approval_consumed' });
  });

  it('expired: an approval past its expiry is refused', async () => {
    const env = await paused();
    env.clock.ms += 16 * 60_000;
    const out = await env.agent.invoke(resume({ type: 'approve' }), env.config);
    expect(env.ran).toEqual([]);
    expect(answer(out, 'call_send').artifact).toMatchObject({ status: 'blocked', reason: 'approval_expired' });
  });

  it('a malformed resume is asked for again, naming the problem; nothing is decided until one fits', async () => {
    const env = await paused();
    const again = interruptOf(await env.agent.invoke(resume({ type: 'maybe' }), env.config));
    expect(again.problem).toMatch(/must have type "approve", "edit", "reject"/);
    expect(again.actionRequests).toEqual(env.request.actionRequests);
    const twice = interruptOf(await env.agent.invoke(new Command({ resume: 'yes' }), env.config));
    expect(twice.problem).toMatch(/one decision per pending call \(1\)/);
    expect((await env.runner.getApproval(env.approvalId))?.status).toBe('pending');
    await env.agent.invoke(resume({ type: 'approve' }), env.config);
    expect(env.ran).toEqual(['send_money bob 500']);
  });
});

describe('with LangChain’s own humanInTheLoopMiddleware', () => {
  it('an edit made there still passes every gate: a broken rule blocks it', async () => {
    const env = await start([send(50), { text: 'done' }], {
      before: [humanInTheLoopMiddleware({ interruptOn: { send_money: true } })],
    });
    const config = thread('t-hitl');
    const out = await env.agent.invoke(ask('send 50 to bob'), config);
    expect(interruptOf(out).actionRequests[0]).toMatchObject({ name: 'send_money', args: { to: 'bob', amount: 50 } });
    const done = await env.agent.invoke(
      resume({ type: 'edit', editedAction: { name: 'send_money', args: { to: 'eve', amount: 9000 } } }),
      config,
    );
    expect(env.ran).toEqual([]);
    expect(answer(done, 'call_send').artifact).toMatchObject({ status: 'blocked', reason: 'payment_too_large' });
  });
});
