import { GatedToolRunner, type RunnerOptions } from '@tollgate/core';
import { approvalGate, policyGate } from '@tollgate/test-utils';
import OpenAI from 'openai';
import { GatedOpenAI, type GatedOpenAIOptions, type OpenAIApi } from '../src/index.js';
import { type ScriptedModelOptions, startScriptedModel } from '../src/server/index.js';

export { approvalGate, policyGate } from '@tollgate/test-utils';

/** Counts handler runs, and how many `lookup` calls were in flight at once. */
export class Probe {
  runs: Record<string, number> = {};
  inFlight = 0;
  maxInFlight = 0;
  private release: (() => void) | undefined;
  private readonly bothStarted = new Promise<void>((resolve) => {
    this.release = resolve;
  });

  ran(tool: string): void {
    this.runs[tool] = (this.runs[tool] ?? 0) + 1;
  }

  /** Waits until two lookups are in flight (or gives up after a while, so a sequential runner fails, not hangs). */
  async overlap(): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    if (this.inFlight >= 2) this.release?.();
    await Promise.race([this.bothStarted, new Promise((r) => setTimeout(r, 1000))]);
    this.inFlight--;
  }
}

export function bankRunner(probe: Probe, options: RunnerOptions = {}): GatedToolRunner {
  const object = (properties: Record<string, unknown>, required: string[]) => ({
    type: 'object',
    properties,
    required,
    additionalProperties: false,
  });
  return new GatedToolRunner({
    ...options,
    gates: [approvalGate, policyGate],
    tools: [
      {
        name: 'get_balance',
        description: 'Balance of an account.',
        parameters: object({ account: { type: 'string' } }, ['account']),
        handler: (args: { account: string }) => {
          probe.ran('get_balance');
          return { account: args.account, balance: '12.50' };
        },
      },
      {
        name: 'send_money',
        description: 'Send money.',
        strict: true,
        parameters: object({ to: { type: 'string' }, amount: { type: 'number' } }, ['to', 'amount']),
        handler: (args: { to: string; amount: number }) => {
          probe.ran('send_money');
          return `sent ${args.amount} to ${args.to}`;
        },
      },
      {
        name: 'delete_account',
        parameters: object({ account: { type: 'string' } }, ['account']),
        handler: () => probe.ran('delete_account'),
      },
      {
        name: 'lookup',
        parameters: object({ key: { type: 'string' } }, ['key']),
        handler: async (args: { key: string }) => {
          probe.ran('lookup');
          await probe.overlap();
          return `value of ${args.key}`;
        },
      },
    ],
  });
}

/** A scripted model, a runner with the bank tools, and an adapter for `api`, over real HTTP. */
export async function setup(
  api: OpenAIApi,
  script: ScriptedModelOptions,
  options: Partial<GatedOpenAIOptions> = {},
  runnerOptions: RunnerOptions = {},
) {
  const model = await startScriptedModel(script);
  const probe = new Probe();
  const runner = bankRunner(probe, runnerOptions);
  const client = new OpenAI({ apiKey: 'sk-test', baseURL: model.baseURL, maxRetries: 0 });
  const adapter = new GatedOpenAI({ client, runner, model: 'gpt-test', api, ...options });
  return { model, probe, runner, client, adapter };
}

/** The first user turn in the shape of each API. */
export const ask = (api: OpenAIApi, text: string) =>
  api === 'chat' ? { messages: [{ role: 'user' as const, content: text }] } : { input: text };

/** The parsed JSON of the tool outputs the model received in request `i`. */
export function outputsSent(requests: { toolOutputs: { callId: string; output: unknown }[] }[], i: number) {
  return requests[i]!.toolOutputs.map((o) => ({ callId: o.callId, output: String(o.output) }));
}
