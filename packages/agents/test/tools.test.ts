import { Agent, tool } from '@openai/agents';
import { GatedToolRunner } from '@tollgate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { currentCallScope, GatedAgentTools } from '../src/index.js';
import { type Harness, harness, outputs, policyGate } from './fixtures.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.model.close();
  h = undefined;
});

describe('gated function tools over the SDK and real HTTP', () => {
  it('runs allowed calls, and turns blocked and failing ones into outputs the model reads', async () => {
    h = await harness({
      turns: [
        {
          toolCalls: [
            { callId: 'call_bal', name: 'get_balance', arguments: { account: 'acc_1' } },
            { callId: 'call_del', name: 'delete_account', arguments: { account: 'acc_1' } },
            { callId: 'call_flaky', name: 'flaky', arguments: {} },
          ],
        },
        { text: 'Done.' },
      ],
    });
    const results: string[] = [];
    h.runner.onDecision((e) => {
      if (e.type === 'result' && !e.result.dryRun) results.push(`${e.result.tool}:${e.result.status}`);
    });
    const result = await h.sdk.run(h.agent, 'Check my balance and close my account.', { context: { user: 'u42' } });
    expect(result.finalOutput).toBe('Done.');
    expect(result.interruptions).toEqual([]);
    const sent = outputs(h.model.requests, 1);
    expect(sent.call_bal).toEqual({ account: 'acc_1', balance: '12.50', for: 'u42' });
    expect(sent.call_del).toMatchObject({
      status: 'blocked',
      reason: 'policy_denied',
      message: 'Deleting accounts is not allowed.',
    });
    expect(sent.call_flaky).toMatchObject({ status: 'tool_error', reason: 'tool_error' });
    expect(h.probe.count('delete_account')).toBe(0);
    expect(h.probe.count('get_balance')).toBe(1);
    expect(results.sort()).toEqual(['delete_account:blocked', 'flaky:tool_error', 'get_balance:executed']);
  });
});

describe('the ways to give the SDK gated tools', () => {
  it('Chat Completions through the SDK’s provider, streamed: the same outcomes', async () => {
    h = await harness(
      {
        turns: [
          {
            toolCalls: [
              { callId: 'call_bal', name: 'get_balance', arguments: { account: 'acc_1' } },
              { callId: 'call_del', name: 'delete_account', arguments: { account: 'acc_1' } },
            ],
          },
          { text: 'Done.' },
        ],
      },
      { chat: true },
    );
    const stream = await h.sdk.run(h.agent, 'Balance, then close.', { context: { user: 'u42' }, stream: true });
    await stream.completed;
    expect(stream.finalOutput).toBe('Done.');
    expect(h.model.requests.map((r) => [r.api, r.stream])).toEqual([
      ['chat', true],
      ['chat', true],
    ]);
    const sent = outputs(h.model.requests, 1);
    expect(sent.call_bal).toMatchObject({ balance: '12.50', for: 'u42' });
    expect(sent.call_del).toMatchObject({ status: 'blocked', reason: 'policy_denied' });
  });

  it('arguments the schema refuses are blocked by tollgate’s validation, with a message to fix them', async () => {
    h = await harness({
      turns: [
        { toolCalls: [{ callId: 'call_x', name: 'send_money', arguments: { to: 'bob', amount: 'lots' } }] },
        { text: 'Sorry.' },
      ],
    });
    await h.sdk.run(h.agent, 'Pay bob.', { context: { user: 'u42' } });
    expect(outputs(h.model.requests, 1).call_x).toMatchObject({
      status: 'blocked',
      reason: 'invalid_arguments',
      message: expect.stringContaining('/amount'),
    });
    expect(h.probe.runs).toEqual([]);
  });

  it('tools() builds SDK tools from the runner’s own tools; handlers read the SDK run context', async () => {
    h = await harness({
      turns: [{ toolCalls: [{ callId: 'call_w', name: 'whoami', arguments: {} }] }, { text: 'ok' }],
    });
    const runner = new GatedToolRunner({
      tools: [
        {
          name: 'whoami',
          description: 'Who is asking.',
          parameters: { type: 'object', properties: {}, additionalProperties: false },
          handler: (_args: unknown, ctx) =>
            `${(currentCallScope()?.runContext.context as { user?: string } | undefined)?.user} as ${ctx.actor}`,
        },
      ],
    });
    const gated = new GatedAgentTools<{ user: string }>({
      runner,
      caller: (rc) => ({ actor: `actor-${rc.context.user}` }),
    });
    const agent = new Agent<{ user: string }>({ name: 'who', model: 'gpt-test', tools: gated.tools() });
    await h.sdk.run(agent, 'Who am I?', { context: { user: 'u42' } });
    expect(outputs(h.model.requests, 1).call_w).toBe('u42 as actor-u42');
    expect(() => gated.tools(['nope'])).toThrow(/no tool "nope"/);
  });

  it('wrap() gates a tool the SDK’s tool() built: its execute runs only when the gates allow', async () => {
    h = await harness({
      turns: [
        {
          toolCalls: [
            { callId: 'call_ok', name: 'delete_file', arguments: { path: 'a.txt' } },
            { callId: 'call_no', name: 'delete_account', arguments: { account: 'acc_1' } },
          ],
        },
        { text: 'ok' },
      ],
    });
    const ran: string[] = [];
    const runner = new GatedToolRunner({ gates: [policyGate] });
    const gated = new GatedAgentTools({ runner });
    const sdkTools = [
      tool({
        name: 'delete_file',
        description: 'Delete a file.',
        parameters: z.object({ path: z.string() }),
        execute: ({ path }) => {
          ran.push(path);
          return `deleted ${path}`;
        },
      }),
      tool({
        name: 'delete_account',
        description: 'Delete an account.',
        parameters: z.object({ account: z.string() }),
        execute: ({ account }) => {
          ran.push(account);
          return 'deleted';
        },
      }),
    ];
    const shown = tool({
      name: 'shown',
      description: 'Offered while the run has a context.',
      parameters: z.object({}),
      isEnabled: ({ runContext }) => runContext.context !== undefined,
      execute: () => 'x',
    });
    const agent = new Agent({ name: 'ops', model: 'gpt-test', tools: [...sdkTools, shown].map((t) => gated.wrap(t)) });
    await h.sdk.run(agent, 'Clean up.');
    // The wrapped tool keeps its own isEnabled, called with the SDK's run context.
    expect(h.model.requests[0]!.toolNames.sort()).toEqual(['delete_account', 'delete_file', 'shown']);
    const sent = outputs(h.model.requests, 1);
    expect(sent.call_ok).toBe('deleted a.txt');
    expect(sent.call_no).toMatchObject({ status: 'blocked', reason: 'policy_denied' });
    expect(ran).toEqual(['a.txt']);
  });

  it('a caller function that throws: the call does not run, and the model is told', async () => {
    h = await harness(
      {
        turns: [
          { toolCalls: [{ callId: 'call_b', name: 'get_balance', arguments: { account: 'a' } }] },
          { text: 'ok' },
        ],
      },
      {
        gated: {
          caller: () => {
            throw new Error('session expired');
          },
        },
      },
    );
    await h.sdk.run(h.agent, 'Balance?', { context: { user: 'u42' } });
    expect(outputs(h.model.requests, 1).call_b).toMatchObject({
      status: 'blocked',
      reason: 'agents_caller_error',
      message: expect.stringContaining('session expired'),
    });
    expect(h.probe.runs).toEqual([]);
  });
});

describe('what the SDK handles before tollgate sees a call', () => {
  it('malformed JSON arguments: the SDK pauses the call itself, with no tollgate approval; nothing runs', async () => {
    h = await harness({
      turns: [
        { toolCalls: [{ callId: 'call_bad', name: 'send_money', arguments: '{"to": "bob", ' }] },
        { text: 'Sorry.' },
      ],
    });
    const results: string[] = [];
    h.runner.onDecision((e) => {
      if (e.type === 'result') results.push(e.result.status);
    });
    // The SDK asks no approval policy about arguments it cannot parse: it pauses such a call on its own.
    const first = await h.sdk.run(h.agent, 'Pay bob.', { context: { user: 'u42' } });
    const [paused] = await h.gated.interruptions(first);
    expect(paused).toMatchObject({ approvalId: undefined, approval: undefined });
    expect(await h.gated.approve(first.state, paused!.item, { by: 'ops' })).toMatchObject({
      ok: false,
      reason: 'approval_not_found',
    });
    // Approved in the SDK anyway, it answers the model with its parse error.
    first.state.approve(paused!.item);
    const done = await h.sdk.run(h.agent, first.state, { context: { user: 'u42' } });
    expect(done.finalOutput).toBe('Sorry.');
    expect(String(outputs(h.model.requests, 1).call_bad)).toContain('parsing tool arguments');
    expect(h.probe.runs).toEqual([]);
    expect(results).toEqual([]);
  });
});
