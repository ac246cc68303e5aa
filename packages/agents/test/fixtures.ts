import { Agent, OpenAIProvider, Runner } from '@openai/agents';
import { type Gate, GatedToolRunner, type RunnerOptions } from '@tollgate/core';
import { type ScriptedModelOptions, type ScriptedRequest, startScriptedModel } from '@tollgate/openai/server';
import OpenAI from 'openai';
import { z } from 'zod';
import { GatedAgentTools, type GatedAgentToolsOptions } from '../src/index.js';

/** Sends over 100 need a human; below that they run. */
export const approvalGate: Gate = {
  name: 'approvals',
  stage: 'decision',
  check: (ctx) =>
    ctx.tool === 'send_money' && Number(ctx.args.amount) > 100
      ? { outcome: 'require_approval', reason: 'large_payment', message: 'Sends over 100 need a human.' }
      : { outcome: 'allow', reason: 'ok' },
};

/** Deleting accounts is never allowed. */
export const policyGate: Gate = {
  name: 'policy',
  stage: 'rule',
  check: (ctx) =>
    ctx.tool === 'delete_account'
      ? { outcome: 'block', reason: 'policy_denied', message: 'Deleting accounts is not allowed.' }
      : { outcome: 'allow', reason: 'ok' },
};

/** Handler runs by tool, with the arguments each got. */
export class Probe {
  runs: { tool: string; args: unknown }[] = [];
  count(tool: string): number {
    return this.runs.filter((r) => r.tool === tool).length;
  }
}

export interface Harness {
  model: Awaited<ReturnType<typeof startScriptedModel>>;
  runner: GatedToolRunner;
  gated: GatedAgentTools<{ user: string }>;
  agent: Agent<{ user: string }>;
  sdk: Runner;
  probe: Probe;
}

/**
 * A scripted model over real HTTP, the SDK's own OpenAI provider on an `openai` client pointed at it (Responses
 * API unless `chat`), a runner with bank gates, and gated tools defined the SDK's way.
 */
export async function harness(
  script: ScriptedModelOptions,
  options: {
    runner?: RunnerOptions;
    gated?: Partial<GatedAgentToolsOptions<{ user: string }>>;
    chat?: boolean;
    gates?: Gate[];
  } = {},
): Promise<Harness> {
  const model = await startScriptedModel(script);
  const probe = new Probe();
  const runner = new GatedToolRunner({ ...options.runner, gates: options.gates ?? [approvalGate, policyGate] });
  const gated = new GatedAgentTools<{ user: string }>({
    runner,
    caller: (rc) => ({ actor: rc.context.user, tenant: 'bank' }),
    ...options.gated,
  });
  const tools = [
    gated.tool({
      name: 'send_money',
      description: 'Send money.',
      parameters: z.object({ to: z.string(), amount: z.number() }),
      execute: (args) => {
        probe.runs.push({ tool: 'send_money', args });
        return `sent ${args.amount} to ${args.to}`;
      },
    }),
    gated.tool({
      name: 'get_balance',
      description: 'Balance of an account.',
      parameters: z.object({ account: z.string() }),
      execute: (args, rc) => {
        probe.runs.push({ tool: 'get_balance', args });
        return { account: args.account, balance: '12.50', for: rc?.context.user };
      },
    }),
    gated.tool({
      name: 'delete_account',
      description: 'Delete an account.',
      parameters: z.object({ account: z.string() }),
      execute: (args) => {
        probe.runs.push({ tool: 'delete_account', args });
        return 'deleted';
      },
    }),
    gated.tool({
      name: 'flaky',
      description: 'Fails.',
      parameters: z.object({}),
      execute: () => {
        probe.runs.push({ tool: 'flaky', args: {} });
        throw new Error('upstream is down');
      },
    }),
  ];
  const client = new OpenAI({ apiKey: 'sk-test', baseURL: model.baseURL, maxRetries: 0 });
  const sdk = new Runner({
    modelProvider: new OpenAIProvider({ openAIClient: client, useResponses: !options.chat }),
    tracingDisabled: true,
    callModelInputFilter: gated.callModelInputFilter,
  });
  const agent = new Agent<{ user: string }>({
    name: 'bank',
    instructions: 'You move money for the user.',
    model: 'gpt-test',
    tools,
  });
  return { model, runner, gated, agent, sdk, probe };
}

/** The tool outputs request `i` carried, parsed when they are JSON. */
export function outputs(requests: readonly ScriptedRequest[], i: number): Record<string, unknown> {
  return Object.fromEntries(
    requests[i]!.toolOutputs.map((o) => {
      const text = typeof o.output === 'string' ? o.output : JSON.stringify(o.output);
      try {
        return [o.callId, JSON.parse(text)];
      } catch {
        return [o.callId, text];
      }
    }),
  );
}
