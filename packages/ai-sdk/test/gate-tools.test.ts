import { generateText, jsonSchema, type ModelMessage, stepCountIs, tool } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { gatedTools, gateTools } from '../src/index.js';
import { approvalMessage, outputsSent, setup } from './fixtures.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function env(...args: Parameters<typeof setup>) {
  const e = await setup(...args);
  cleanup = e.server.close;
  return e;
}

describe('gated AI SDK tools with generateText', () => {
  it('runs allowed calls, blocks what a gate blocks and reports a failing tool, over several steps', async () => {
    const { server, model, runs, tools } = await env({
      turns: [
        {
          toolCalls: [
            { callId: 'call_bal', name: 'get_balance', arguments: { account: 'acc_1' } },
            { callId: 'call_del', name: 'delete_account', arguments: { account: 'acc_1' } },
            { callId: 'call_flaky', name: 'flaky', arguments: {} },
          ],
        },
        { text: 'done' },
      ],
    });
    const result = await generateText({ model, tools, prompt: 'check my balance', stopWhen: stepCountIs(4) });
    expect(result.text).toBe('done');
    expect(result.steps).toHaveLength(2);
    expect(runs.map((r) => r.tool)).toEqual(['get_balance', 'flaky']);
    const outputs = outputsSent(server);
    expect(JSON.parse(String(outputs.call_bal))).toEqual({ account: 'acc_1', balance: '12.50' });
    expect(JSON.parse(String(outputs.call_del))).toEqual({
      status: 'blocked',
      reason: 'policy_denied',
      message: 'Deleting accounts is not allowed.',
      retry_after_ms: 60_000,
    });
    expect(JSON.parse(String(outputs.call_flaky))).toMatchObject({ status: 'tool_error', reason: 'tool_error' });
    const toolResults = result.steps[0]!.toolResults;
    expect(toolResults.map((r) => [r.toolCallId, (r.output as { status?: string }).status])).toEqual([
      ['call_bal', undefined],
      ['call_del', 'blocked'],
      ['call_flaky', 'tool_error'],
    ]);
  });

  it('turns approval_required into a tool-approval request, and an approval response runs it once', async () => {
    const { server, model, runs, tools, runner } = await env({
      turns: [
        { toolCalls: [{ callId: 'call_send', name: 'send_money', arguments: { to: 'bob', amount: 500 } }] },
        { text: 'sent' },
      ],
    });
    const messages: ModelMessage[] = [{ role: 'user', content: 'send 500 to bob' }];
    const first = await generateText({ model, tools, messages, stopWhen: stepCountIs(4) });
    const requests = first.content.filter((p) => p.type === 'tool-approval-request');
    expect(requests).toHaveLength(1);
    expect(requests[0]!.toolCall).toMatchObject({ toolCallId: 'call_send', input: { to: 'bob', amount: 500 } });
    expect(runs).toEqual([]);
    const [pending] = await runner.pendingApprovals();
    expect(pending).toMatchObject({ tool: 'send_money', callId: 'call_send', context: { actor: 'emma' } });

    messages.push(...first.response.messages, approvalMessage(requests, true));
    const second = await generateText({ model, tools, messages, stopWhen: stepCountIs(4) });
    expect(second.text).toBe('sent');
    expect(runs).toEqual([{ tool: 'send_money', args: { to: 'bob', amount: 500 } }]);
    expect(outputsSent(server)).toEqual({ call_send: 'sent 500 to bob' });
    expect((await runner.getApproval(pending!.id))?.status).toBe('consumed');
  });
});

describe('tool sets from the runner, and JSON Schema tools', () => {
  it('gatedTools offers the runner’s registered tools; a jsonSchema() tool is validated by the runner', async () => {
    const { server, model, runner, runs } = await env({
      turns: [
        {
          toolCalls: [
            { callId: 'call_note', name: 'note', arguments: { text: 'hi' } },
            { callId: 'call_bad', name: 'note', arguments: { text: 42 } },
            { callId: 'call_bal', name: 'get_balance', arguments: { account: 'acc_2' } },
          ],
        },
        { text: 'ok' },
      ],
    });
    const notes: string[] = [];
    gateTools(runner, {
      note: tool({
        description: 'Write a note.',
        inputSchema: jsonSchema<{ text: string }>({
          type: 'object',
          properties: { text: { type: 'string' } },
          required: ['text'],
          additionalProperties: false,
        }),
        execute: ({ text }) => {
          notes.push(text);
          return 'noted';
        },
      }),
    });
    const tools = gatedTools(runner, { context: { actor: 'emma' } });
    expect(Object.keys(tools)).toEqual(['get_balance', 'send_money', 'delete_account', 'flaky', 'note']);
    await generateText({ model, tools, prompt: 'note it', stopWhen: stepCountIs(3) });
    const outputs = outputsSent(server);
    expect(outputs.call_note).toBe('noted');
    expect(JSON.parse(String(outputs.call_bad))).toMatchObject({ status: 'blocked', reason: 'invalid_arguments' });
    expect(notes).toEqual(['hi']);
    expect(runs.map((r) => r.tool)).toEqual(['get_balance']);
  });
});
