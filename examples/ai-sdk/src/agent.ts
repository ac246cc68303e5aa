import { createOpenAI } from '@ai-sdk/openai';
import { gateTools } from '@tollgate/ai-sdk';
import { GatedToolRunner } from '@tollgate/core';
import { loadRules, RuleGate } from '@tollgate/rule';
import { generateText, type ModelMessage, stepCountIs, tool } from 'ai';
import { z } from 'zod';

/** What the example did: each step's text, the payments the bank made, and what was asked of the human. */
export interface ExampleRun {
  asked: { tool: string; input: unknown }[];
  payments: { to: string; amount: number }[];
  text: string;
}

/**
 * A banking agent on the Vercel AI SDK: its tools are AI SDK tools with zod schemas, gated by a rule that sends
 * payments above 100 to a human. The human (`approve`) answers the SDK's tool-approval request; tollgate checks the
 * answer against its own store and runs the payment exactly once.
 */
export async function runExample(baseURL: string, approve: (tool: string, input: unknown) => boolean) {
  const payments: { to: string; amount: number }[] = [];
  const runner = new GatedToolRunner({
    gates: [
      new RuleGate({
        rules: loadRules({
          rules: [
            {
              id: 'large-payment',
              effect: 'require_approval',
              reason: 'large_payment',
              message: 'Payments above 100.00 need a human.',
              match: { tool: 'send_money' },
              when: { path: '/amount', op: 'gt', value: '100.00' },
            },
          ],
        }),
      }),
    ],
  });
  const tools = gateTools(
    runner,
    {
      send_money: tool({
        description: 'Send money to a payee.',
        inputSchema: z.object({ to: z.string(), amount: z.number().positive() }),
        execute: ({ to, amount }) => {
          payments.push({ to, amount });
          return `sent ${amount} to ${to}`;
        },
      }),
    },
    { context: { actor: 'emma', session: 'example' } },
  );
  const model = createOpenAI({ baseURL, apiKey: 'not-needed' }).chat('scripted');
  const messages: ModelMessage[] = [{ role: 'user', content: 'Pay the plumber 40 and my landlord 900.' }];
  const asked: ExampleRun['asked'] = [];
  for (;;) {
    const result = await generateText({ model, tools, messages, stopWhen: stepCountIs(5) });
    messages.push(...result.response.messages);
    const requests = result.content.filter((part) => part.type === 'tool-approval-request');
    if (requests.length === 0) return { asked, payments, text: result.text } satisfies ExampleRun;
    const content = requests.map((r) => {
      asked.push({ tool: r.toolCall.toolName, input: r.toolCall.input });
      return {
        type: 'tool-approval-response' as const,
        approvalId: r.approvalId,
        approved: approve(r.toolCall.toolName, r.toolCall.input),
      };
    });
    messages.push({ role: 'tool', content });
  }
}
