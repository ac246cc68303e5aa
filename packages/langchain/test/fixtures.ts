import { MemorySaver } from '@langchain/langgraph';
import { ChatOpenAI } from '@langchain/openai';
import { type Clock, GatedToolRunner, type RunnerOptions } from '@tollgate/core';
import { type ScriptedModelOptions, startScriptedModel } from '@tollgate/openai/server';
import { loadRules, RuleGate } from '@tollgate/rule';
import { type AnyAgentMiddleware, createAgent, tool } from 'langchain';
import { z } from 'zod';
import { registerTools, type TollgateMiddlewareOptions, tollgateMiddleware } from '../src/index.js';

/** Sends above 1000 are refused; above 100 they wait for a human; deleting accounts is never allowed. */
export const RULES = loadRules({
  rules: [
    {
      id: 'too-large',
      effect: 'block',
      reason: 'payment_too_large',
      message: 'Payments above 1000 are not allowed.',
      match: { tool: 'send_money' },
      when: { path: '/amount', op: 'gt', value: '1000' },
    },
    {
      id: 'large',
      effect: 'require_approval',
      reason: 'large_payment',
      message: 'Payments above 100 need a human.',
      match: { tool: 'send_money' },
      when: { path: '/amount', op: 'gt', value: '100' },
    },
    {
      id: 'no-deletes',
      effect: 'block',
      reason: 'policy_denied',
      message: 'Deleting accounts is not allowed.',
      match: { tool: 'delete_account' },
    },
  ],
});

/** A clock a test can move. */
export class TestClock implements Clock {
  constructor(public ms = Date.UTC(2026, 11, 2)) {}
  now(): number {
    return this.ms;
  }
}

/** The bank's tools, defined the LangChain way, and a log of what really ran. */
export function bankTools() {
  const ran: string[] = [];
  const sendMoney = tool(
    ({ to, amount }) => {
      ran.push(`send_money ${to} ${amount}`);
      return `sent ${amount} to ${to}`;
    },
    {
      name: 'send_money',
      description: 'Send money to a payee.',
      schema: z.object({ to: z.string(), amount: z.number().positive() }),
    },
  );
  const getBalance = tool(
    ({ account }) => {
      ran.push(`get_balance ${account}`);
      return JSON.stringify({ account, balance: '12.50' });
    },
    { name: 'get_balance', description: 'Balance of an account.', schema: z.object({ account: z.string() }) },
  );
  const deleteAccount = tool(
    ({ account }) => {
      ran.push(`delete_account ${account}`);
      return 'deleted';
    },
    { name: 'delete_account', description: 'Delete an account.', schema: z.object({ account: z.string() }) },
  );
  const flaky = tool(
    () => {
      ran.push('flaky');
      throw new Error('the ledger is down');
    },
    { name: 'flaky', description: 'Always fails.', schema: z.object({}) },
  );
  return { ran, tools: [sendMoney, getBalance, deleteAccount, flaky] };
}

export interface SetupOptions {
  runner?: RunnerOptions;
  middleware?: Partial<TollgateMiddlewareOptions>;
  /** More middleware, run before tollgate's (LangChain's own human-in-the-loop, say). */
  before?: AnyAgentMiddleware[];
}

/** A scripted model over real HTTP, ChatOpenAI pointed at it, and a createAgent agent gated by tollgate. */
export async function setup(script: ScriptedModelOptions, options: SetupOptions = {}) {
  const model = await startScriptedModel(script);
  const clock = new TestClock();
  const bank = bankTools();
  const runner = registerTools(
    new GatedToolRunner({ clock, ...options.runner, gates: [new RuleGate({ rules: RULES })] }),
    bank.tools,
  );
  const llm = new ChatOpenAI({
    model: 'gpt-test',
    apiKey: 'sk-test',
    configuration: { baseURL: model.baseURL },
    maxRetries: 0,
  });
  const checkpointer = new MemorySaver();
  const middleware: AnyAgentMiddleware[] = [
    ...(options.before ?? []),
    tollgateMiddleware({
      runner,
      approver: 'ops@bank.example',
      context: () => ({ actor: 'emma' }),
      ...options.middleware,
    }),
  ];
  const agent = createAgent({ model: llm, tools: bank.tools, checkpointer, middleware });
  return { model, clock, runner, agent, checkpointer, ...bank };
}

/** A config for a fresh thread. */
export const thread = (id: string) => ({ configurable: { thread_id: id } });
