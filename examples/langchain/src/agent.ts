// The payments agent: LangChain tools and a createAgent agent, with tollgate's middleware in front of the tools.
import { MemorySaver } from '@langchain/langgraph';
import { ChatOpenAI } from '@langchain/openai';
import { GatedToolRunner } from '@tollgate/core';
import { registerTools, tollgateMiddleware } from '@tollgate/langchain';
import { loadRules, RuleGate } from '@tollgate/rule';
import { createAgent, tool } from 'langchain';
import { z } from 'zod';

/** The policy: payments above 1000 never run, above 100 a person approves them, deleting accounts never. */
export const rules = loadRules({
  rules: [
    {
      id: 'too-large',
      effect: 'block',
      reason: 'payment_too_large',
      message: 'Payments above 1000 are not allowed. Tell the user to visit a branch.',
      match: { tool: 'send_money' },
      when: { path: '/amount', op: 'gt', value: '1000' },
    },
    {
      id: 'large',
      effect: 'require_approval',
      reason: 'large_payment',
      message: 'Payments above 100 need a person to approve them.',
      match: { tool: 'send_money' },
      when: { path: '/amount', op: 'gt', value: '100' },
    },
  ],
});

/** Builds the agent against any OpenAI-compatible endpoint; `sent` logs the payments that really happened. */
export function paymentsAgent(options: { baseURL?: string; apiKey?: string; model?: string } = {}) {
  const sent: string[] = [];
  const sendMoney = tool(
    ({ to, amount }) => {
      sent.push(`${amount} to ${to}`);
      return `Sent ${amount} to ${to}.`;
    },
    {
      name: 'send_money',
      description: 'Send money to a payee.',
      schema: z.object({ to: z.string().describe('payee name'), amount: z.number().positive() }),
    },
  );
  const runner = registerTools(new GatedToolRunner({ gates: [new RuleGate({ rules })] }), [sendMoney]);
  const model = new ChatOpenAI({
    model: options.model ?? 'gpt-4.1-mini',
    apiKey: options.apiKey ?? process.env.OPENAI_API_KEY ?? 'sk-local',
    configuration: options.baseURL ? { baseURL: options.baseURL } : {},
  });
  const agent = createAgent({
    model,
    tools: [sendMoney],
    checkpointer: new MemorySaver(),
    middleware: [tollgateMiddleware({ runner, context: () => ({ actor: 'emma' }) })],
  });
  return { agent, runner, sent };
}
