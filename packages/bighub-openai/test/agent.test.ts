import { BighubClient, BighubConfigError } from '@tollgate/bighub';
import { type BighubEmulator, startBighubEmulator } from '@tollgate/bighub/emulator';
import type { Gate, ToolDefinition } from '@tollgate/core';
import type { OpenAIApi } from '@tollgate/openai';
import { type ScriptedModel, type ScriptedModelOptions, startScriptedModel } from '@tollgate/openai/server';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BighubAgentOptions, createBighubAgent } from '../src/index.js';

const KEY = 'bhk_agent';
let bighub: BighubEmulator;
let model: ScriptedModel | undefined;
beforeAll(async () => {
  bighub = await startBighubEmulator({ apiKey: KEY });
});
afterAll(() => bighub.close());
afterEach(async () => {
  await model?.close();
  model = undefined;
  bighub.setRules({});
  bighub.state.requests.length = 0;
});

interface Refund {
  order_id: string;
  amount: number;
}
const ran: Refund[] = [];
const refundTool: ToolDefinition<Refund> = {
  name: 'refund_payment',
  parameters: {
    type: 'object',
    properties: { order_id: { type: 'string' }, amount: { type: 'number' } },
    required: ['order_id', 'amount'],
    additionalProperties: false,
  },
  handler: (args) => {
    ran.push(args);
    return { ok: true };
  },
  gates: { bighub: { valueFromArgs: (a: Refund) => a.amount } },
};

/** A model that refunds `amount` once, then answers with the tool's output. */
async function refunding(amount: number, extra: Partial<ScriptedModelOptions> = {}) {
  model = await startScriptedModel({
    respond: (req) =>
      req.toolOutputs.length === 0
        ? { toolCalls: [{ name: 'refund_payment', arguments: { order_id: 'ord_1', amount } }] }
        : { text: `tool said ${req.toolOutputs[0]!.output}` },
    ...extra,
  });
  return new OpenAI({ apiKey: 'sk-test', baseURL: model.baseURL, maxRetries: 0 });
}

/** An agent on the emulator with the refund tool and no telemetry, as the seed's quick start. */
const agentOn = (client: OpenAI, extra: Partial<BighubAgentOptions> = {}) =>
  createBighubAgent({
    client,
    bighub: { apiKey: KEY, baseURL: bighub.url },
    actor: 'AI_AGENT_001',
    model: 'gpt-4.1',
    tools: [refundTool],
    gate: { telemetry: false },
    ...extra,
  });

const ask = (api: OpenAIApi) =>
  api === 'chat' ? { messages: [{ role: 'user' as const, content: 'refund' }] } : { input: 'refund' };

describe.each<OpenAIApi>(['responses', 'chat'])('createBighubAgent on %s', (api) => {
  it('runs the seed’s quick start: the tool call goes to BIGHUB with actor, domain and value, then executes', async () => {
    ran.length = 0;
    bighub.setRules({ maxValue: 1000 });
    const agent = agentOn(await refunding(199.99), { domain: 'payments', api });
    const result = await agent.run(ask(api));
    expect(result.status).toBe('completed');
    expect(result.execution.last).toMatchObject({ tool: 'refund_payment', status: 'executed' });
    expect(ran).toEqual([{ order_id: 'ord_1', amount: 199.99 }]);
    expect(bighub.requestsTo('submit')[0]!.body).toMatchObject({
      action: 'refund_payment',
      value: 199.99,
      actor: 'AI_AGENT_001',
      domain: 'payments',
    });
    expect(model!.requests.map((r) => r.model)).toEqual(['gpt-4.1', 'gpt-4.1']);
    expect(agent.api).toBe(api);
    expect(agent.runner.tools().map((t) => t.name)).toEqual(['refund_payment']);
  });

  it('blocks what BIGHUB blocks, and the model reads why', async () => {
    ran.length = 0;
    bighub.setRules({ maxValue: 1000 });
    const agent = agentOn(await refunding(5000), { api });
    const result = await agent.run(ask(api));
    expect(result.execution.last).toMatchObject({ status: 'blocked', reason: 'bighub_blocked' });
    expect(ran).toEqual([]);
    expect(result.outputText).toContain('exceeds the maximum of 1000');
  });
});

describe('createBighubAgent', () => {
  it('pauses on a BIGHUB approval and, approved, resolves it on BIGHUB and runs the call (runWithApproval)', async () => {
    ran.length = 0;
    bighub.setRules({ requireApprovalAbove: 100 });
    const agent = agentOn(await refunding(500), { bighub: new BighubClient({ apiKey: KEY, baseUrl: bighub.url }) });
    const result = await agent.runWithApproval({ input: 'refund 500' }, (interruption) => {
      expect(interruption).toMatchObject({ tool: 'refund_payment', reason: 'bighub_review' });
      return { approve: true, by: 'on-call', comment: 'approved by on-call' };
    });
    expect(result.status).toBe('completed');
    expect(ran).toEqual([{ order_id: 'ord_1', amount: 500 }]);
    const [approval] = [...bighub.state.approvals.values()].slice(-1);
    expect(approval).toMatchObject({ status: 'approved', comment: 'approved by on-call (by on-call)' });
  });

  it('puts other gates before BIGHUB: a call they refuse never reaches it', async () => {
    ran.length = 0;
    const noRefunds: Gate = {
      name: 'no-refunds',
      stage: 'rule',
      check: () => ({ outcome: 'block', reason: 'refunds_closed', message: 'Refunds are closed today.' }),
    };
    const agent = agentOn(await refunding(1), { gates: [noRefunds], gate: { telemetry: false, killSwitch: false } });
    const result = await agent.run({ input: 'refund' });
    expect(result.execution.last).toMatchObject({ status: 'blocked', reason: 'refunds_closed' });
    expect(bighub.requestsTo('submit')).toEqual([]);
  });

  it('lets a run’s context name another actor and a run name another model', async () => {
    const agent = agentOn(await refunding(1), { gate: { telemetry: false, mode: 'submit_v2' } });
    await agent.run({ input: 'refund', model: 'gpt-4.1-mini', context: { actor: 'AI_AGENT_002' } });
    expect(bighub.requestsTo('submit_v2')[0]!.body).toMatchObject({ actor: 'AI_AGENT_002' });
    expect(model!.requests.map((r) => r.model)).toEqual(['gpt-4.1-mini', 'gpt-4.1-mini']);
  });

  it('sends telemetry to BIGHUB and exposes the gate', async () => {
    const agent = agentOn(await refunding(1), { gate: {} });
    await agent.run({ input: 'refund' });
    await agent.bighub.flush();
    expect(agent.bighub.stats().memory.sent).toBe(1);
    expect(bighub.requestsTo('memory_ingest')).toHaveLength(1);
  });

  it('refuses a bad configuration at construction', async () => {
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: 'http://127.0.0.1:9/v1' });
    const base = { client, actor: 'a', model: 'm' };
    expect(() => createBighubAgent({ ...base, bighub: { apiKey: KEY, baseURL: 'http://bighub.example.com' } })).toThrow(
      BighubConfigError,
    );
    expect(() => createBighubAgent({ ...base, actor: '', bighub: { apiKey: KEY } })).toThrow(/actor/);
    expect(() => createBighubAgent({ ...base, model: '', bighub: { apiKey: KEY } })).toThrow(/model/);
    expect(createBighubAgent({ ...base, bighub: { apiKey: KEY } }).bighub.client.baseUrl).toBe('https://api.bighub.io');
  });
});
