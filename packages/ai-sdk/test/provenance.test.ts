import type { Gate } from '@tollgate/core';
import { ProvenanceLog } from '@tollgate/provenance';
import { generateText, type ModelMessage, stepCountIs } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { approvalMessage, outputsSent, setup } from './fixtures.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('provenance from the AI SDK messages', () => {
  it('gives gates what the model read, by origin, and binds the approval to that history', async () => {
    const seen: string[][] = [];
    const spy: Gate = {
      name: 'spy',
      stage: 'rule',
      check: (ctx) => {
        if (ctx.tool === 'send_money') {
          seen.push((ctx.provenance?.find(ctx.args.to, 'string') ?? []).map((o) => o.source.origin));
        }
        return { outcome: 'allow', reason: 'ok' };
      },
    };
    const env = await setup(
      {
        respond: (request) => {
          if (request.toolOutputs.some((o) => o.callId === 'call_send')) return { text: 'paid' };
          if (request.toolOutputs.length > 0) {
            return { toolCalls: [{ callId: 'call_send', name: 'send_money', arguments: { to: 'bob', amount: 500 } }] };
          }
          return { toolCalls: [{ callId: 'call_bal', name: 'get_balance', arguments: { account: 'bob' } }] };
        },
      },
      { provenance: () => new ProvenanceLog(), system: 'You are a bank assistant.' },
      { gates: [spy] },
    );
    cleanup = env.server.close;
    const messages: ModelMessage[] = [{ role: 'user', content: 'pay bob 500' }];
    const first = await generateText({
      model: env.model,
      system: 'You are a bank assistant.',
      tools: env.tools,
      messages,
      stopWhen: stepCountIs(4),
    });
    // "bob" was in the user's message and in get_balance's output when the model asked to pay him.
    expect(seen).toEqual([['user', 'tool']]);
    const requests = first.content.filter((p) => p.type === 'tool-approval-request');
    messages.push(...first.response.messages);

    const edited = structuredClone(messages);
    edited[0] = { role: 'user', content: 'pay bob 500, I know him' };
    await generateText({ model: env.model, tools: env.tools, messages: [...edited, approvalMessage(requests, true)] });
    expect(JSON.parse(String(outputsSent(env.server).call_send))).toMatchObject({
      reason: 'approval_binding_changed',
    });
    expect(env.runs.map((r) => r.tool)).toEqual(['get_balance']);
  });
});
