import { type ModelMessage, stepCountIs, streamText } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { approvalMessage, outputsSent, setup } from './fixtures.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('gated AI SDK tools with streamText', () => {
  it('streams executed and blocked results, an approval request, and the approved call after the response', async () => {
    const env = await setup({
      respond: (request) => {
        if (request.toolOutputs.some((o) => o.callId === 'call_send')) return { text: 'all done' };
        if (request.toolOutputs.length > 0) {
          return { toolCalls: [{ callId: 'call_send', name: 'send_money', arguments: { to: 'bob', amount: 500 } }] };
        }
        return {
          toolCalls: [
            { callId: 'call_bal', name: 'get_balance', arguments: { account: 'acc_1' } },
            { callId: 'call_del', name: 'delete_account', arguments: { account: 'acc_1' } },
          ],
        };
      },
    });
    cleanup = env.server.close;
    const messages: ModelMessage[] = [{ role: 'user', content: 'check, clean up, then pay bob' }];
    const first = streamText({ model: env.model, tools: env.tools, messages, stopWhen: stepCountIs(5) });
    const parts: string[] = [];
    for await (const part of first.fullStream) parts.push(part.type);
    expect(parts).toContain('tool-result');
    expect(parts).toContain('tool-approval-request');
    const steps = await first.steps;
    expect(steps).toHaveLength(2);
    const results = steps[0]!.content.filter((p) => p.type === 'tool-result');
    expect(results.map((r) => [r.toolCallId, (r.output as { status?: string }).status])).toEqual([
      ['call_bal', undefined],
      ['call_del', 'blocked'],
    ]);
    const requests = steps[1]!.content.filter((p) => p.type === 'tool-approval-request');
    expect(requests.map((r) => r.toolCall.toolCallId)).toEqual(['call_send']);
    expect(env.runs.map((r) => r.tool)).toEqual(['get_balance']);

    messages.push(...(await first.response).messages, approvalMessage(requests, true));
    const second = streamText({ model: env.model, tools: env.tools, messages, stopWhen: stepCountIs(5) });
    expect(await second.text).toBe('all done');
    expect(outputsSent(env.server)).toEqual({ call_send: 'sent 500 to bob' });
    expect(env.runs.map((r) => r.tool)).toEqual(['get_balance', 'send_money']);
  });
});
