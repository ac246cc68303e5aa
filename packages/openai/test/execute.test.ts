import { afterEach, describe, expect, it } from 'vitest';
import { chatToolSchemas, executeToolCalls, responsesToolSchemas, toolOutputContent } from '../src/index.js';
import { bankRunner, Probe, setup } from './fixtures.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('tool schemas', () => {
  it('come from the runner’s registry in each API’s format', () => {
    const runner = bankRunner(new Probe());
    const send = runner.tools().find((t) => t.name === 'send_money')!;
    expect(chatToolSchemas(runner)[1]).toEqual({
      type: 'function',
      function: { name: 'send_money', description: 'Send money.', parameters: send.parameters, strict: true },
    });
    expect(responsesToolSchemas(runner)[1]).toEqual({
      type: 'function',
      name: 'send_money',
      description: 'Send money.',
      parameters: send.parameters,
      strict: true,
    });
    expect(responsesToolSchemas(runner)[2]).toEqual({
      type: 'function',
      name: 'delete_account',
      parameters: expect.any(Object),
      strict: false,
    });
  });
});

describe('executeToolCalls', () => {
  it('takes both APIs’ shapes, passes the call ids and context, and answers each in its own shape', async () => {
    const probe = new Probe();
    const runner = bankRunner(probe);
    const { messages, results } = await executeToolCalls(
      runner,
      [
        { id: 'call_c', type: 'function', function: { name: 'lookup', arguments: '{"key":"c"}' } },
        { type: 'function_call', call_id: 'call_r', name: 'lookup', arguments: '{"key":"r"}' },
        { type: 'function_call', call_id: 'call_big', name: 'send_money', arguments: '{"to":"x","amount":900}' },
      ],
      { actor: 'agent-7' },
    );
    expect(messages).toEqual([
      { role: 'tool', tool_call_id: 'call_c', content: 'value of c' },
      { type: 'function_call_output', call_id: 'call_r', output: 'value of r' },
      {
        type: 'function_call_output',
        call_id: 'call_big',
        output: expect.stringContaining('"status":"approval_required"'),
      },
    ]);
    expect(probe.maxInFlight).toBe(2);
    expect(results.map((r) => r.callId)).toEqual(['call_c', 'call_r', 'call_big']);
    const approval = await runner.getApproval(results[2]!.approval!.id);
    expect(approval?.context.actor).toBe('agent-7');
  });

  it('throws a TypeError for something that is not a function tool call', async () => {
    const runner = bankRunner(new Probe());
    await expect(executeToolCalls(runner, [{ nope: true } as never])).rejects.toBeInstanceOf(TypeError);
  });

  it('returns a tool error as a structured result the model can act on', async () => {
    const probe = new Probe();
    const runner = bankRunner(probe);
    runner.register({
      name: 'flaky',
      parameters: { type: 'object' },
      handler: () => {
        throw new Error('upstream timed out');
      },
    });
    const { messages } = await executeToolCalls(runner, [
      { id: 'call_f', function: { name: 'flaky', arguments: '{}' } },
    ]);
    const content = JSON.parse((messages[0] as { content: string }).content);
    expect(content).toEqual({
      status: 'tool_error',
      reason: 'tool_error',
      message: 'The tool failed: Error: upstream timed out',
    });
  });
});

describe('tool output content', () => {
  it('sends a string result as-is, anything else as JSON', async () => {
    const runner = bankRunner(new Probe());
    const send = await runner.call('send_money', { to: 'a', amount: 1 });
    const balance = await runner.call('get_balance', { account: 'a' });
    const nothing = await runner.call('delete_account', { account: 'a' });
    expect(toolOutputContent(send)).toBe('sent 1 to a');
    expect(toolOutputContent(balance)).toBe('{"account":"a","balance":"12.50"}');
    expect(JSON.parse(toolOutputContent(nothing))).toMatchObject({ status: 'blocked', reason: 'policy_denied' });
  });

  it('still answers when the result cannot become JSON, whatever its toJSON throws', async () => {
    const runner = bankRunner(new Probe());
    const sent = await runner.call('send_money', { to: 'a', amount: 1 });
    for (const thrown of [new TypeError('cyclic'), undefined, null]) {
      const result = {
        ...sent,
        result: {
          toJSON() {
            throw thrown;
          },
        },
      };
      expect(JSON.parse(toolOutputContent(result))).toMatchObject({
        status: 'executed',
        message: expect.stringContaining('has no JSON form'),
      });
    }
  });

  it('still answers with exposeDecisionData when a gate’s data has no JSON form', async () => {
    const runner = bankRunner(new Probe());
    const blocked = await runner.call('delete_account', { account: 'a' });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const data of [{ big: 1n }, cyclic]) {
      const result = { ...blocked, decisions: blocked.decisions.map((d) => ({ ...d, data })) };
      const denial = JSON.parse(toolOutputContent(result, { exposeDecisionData: true }));
      expect(denial).toMatchObject({ status: 'blocked', reason: 'policy_denied' });
      expect(denial.decisions.map((d: { gate: string }) => d.gate)).toEqual(blocked.decisions.map((d) => d.gate));
    }
  });

  it('lets a deny function word gate blocks but keeps validation messages', async () => {
    const runner = bankRunner(new Probe());
    const blocked = await runner.call('delete_account', { account: 'a' });
    const invalid = await runner.call('delete_account', { account: 1 });
    const denyMessage = (r: { reason: string }) => `Refused (${r.reason}); ask a human.`;
    expect(JSON.parse(toolOutputContent(blocked, { denyMessage })).message).toBe(
      'Refused (policy_denied); ask a human.',
    );
    expect(JSON.parse(toolOutputContent(invalid, { denyMessage })).message).toContain('/account');
  });

  it('falls back to the gate’s message when a deny function throws or returns no text', async () => {
    const blocked = await bankRunner(new Probe()).call('delete_account', { account: 'a' });
    const throwing = () => {
      throw new Error('template missing');
    };
    const silent = () => undefined as unknown as string;
    for (const denyMessage of [throwing, silent]) {
      const denial = JSON.parse(toolOutputContent(blocked, { denyMessage }));
      expect(denial).toMatchObject({ status: 'blocked', reason: 'policy_denied', message: blocked.message });
    }
  });
});

describe('check', () => {
  it('is a dry run: an approval-gated call reports approval_required and stores nothing', async () => {
    const env = await setup('chat', { turns: [] });
    cleanup = env.model.close;
    const result = await env.adapter.check('send_money', { to: 'bob', amount: 500 });
    expect(result).toMatchObject({ status: 'approval_required', dryRun: true });
    expect(await env.runner.pendingApprovals()).toEqual([]);
    expect(env.probe.runs).toEqual({});
  });
});
