import { createOpenAI } from '@ai-sdk/openai';
import { GatedToolRunner, type RunnerOptions } from '@tollgate/core';
import { type ScriptedModelOptions, startScriptedModel } from '@tollgate/openai/server';
import { approvalGate, policyGate } from '@tollgate/test-utils';
import { type ModelMessage, tool } from 'ai';
import { z } from 'zod';
import { type GateToolsOptions, gateTools } from '../src/index.js';

/** A test clock: `now` moves only when told. */
export class TestClock {
  t = Date.UTC(2026, 11, 1, 9, 0, 0);
  now = () => this.t;
}

/** The bank's tools, as AI SDK tools with zod schemas; `runs` lists every handler run with its arguments. */
export function bankTools(runs: { tool: string; args: unknown }[]) {
  return {
    get_balance: tool({
      description: 'Balance of an account.',
      inputSchema: z.object({ account: z.string() }),
      execute: ({ account }) => {
        runs.push({ tool: 'get_balance', args: { account } });
        return { account, balance: '12.50' };
      },
    }),
    send_money: tool({
      description: 'Send money.',
      inputSchema: z.object({ to: z.string(), amount: z.number() }),
      execute: ({ to, amount }) => {
        runs.push({ tool: 'send_money', args: { to, amount } });
        return `sent ${amount} to ${to}`;
      },
    }),
    delete_account: tool({
      description: 'Delete an account.',
      inputSchema: z.object({ account: z.string() }),
      execute: ({ account }) => {
        runs.push({ tool: 'delete_account', args: { account } });
        return 'deleted';
      },
    }),
    flaky: tool({
      description: 'Always fails.',
      inputSchema: z.object({}),
      execute: (): string => {
        runs.push({ tool: 'flaky', args: {} });
        throw new Error('the core banking system is down');
      },
    }),
  };
}

/** A scripted model over real HTTP, the AI SDK's OpenAI provider talking to it, and gated bank tools. */
export async function setup(
  model: ScriptedModelOptions,
  options: GateToolsOptions = {},
  runnerOptions: RunnerOptions = {},
) {
  const server = await startScriptedModel(model);
  const provider = createOpenAI({ baseURL: server.baseURL, apiKey: 'sk-test' });
  const clock = new TestClock();
  const gates = [approvalGate, policyGate, ...(runnerOptions.gates ?? [])];
  const runner = new GatedToolRunner({ clock, ...runnerOptions, gates });
  const runs: { tool: string; args: unknown }[] = [];
  const originals = bankTools(runs);
  const tools = gateTools(runner, originals, { context: { actor: 'emma', session: 's1' }, ...options });
  return { server, model: provider.chat('gpt-test'), runner, runs, tools, originals, clock };
}

/** The tool message answering the approval requests of a result: each approved or not. */
export function approvalMessage(
  requests: readonly { approvalId: string }[],
  approved: boolean,
  reason?: string,
): ModelMessage {
  return {
    role: 'tool',
    content: requests.map((r) => ({
      type: 'tool-approval-response' as const,
      approvalId: r.approvalId,
      approved,
      ...(reason === undefined ? {} : { reason }),
    })),
  };
}

/** The tool outputs the model was sent, by call id, from the server's last request. */
export function outputsSent(server: { requests: { toolOutputs: { callId: string; output: unknown }[] }[] }) {
  const last = server.requests.at(-1)!;
  return Object.fromEntries(last.toolOutputs.map((o) => [o.callId, o.output]));
}
