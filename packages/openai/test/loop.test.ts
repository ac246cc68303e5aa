import { afterEach, describe, expect, it } from 'vitest';
import type { OpenAIApi } from '../src/index.js';
import { ask, outputsSent, setup } from './fixtures.js';

const apis: OpenAIApi[] = ['chat', 'responses'];
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function start(...args: Parameters<typeof setup>) {
  const env = await setup(...args);
  cleanup = env.model.close;
  return env;
}

describe.each(apis)('the %s tool loop', (api) => {
  it('runs parallel calls concurrently and answers them in the order the model made them', async () => {
    const { model, probe, adapter } = await start(api, {
      turns: [
        {
          toolCalls: [
            { callId: 'call_a', name: 'lookup', arguments: { key: 'a' } },
            { callId: 'call_b', name: 'lookup', arguments: { key: 'b' } },
          ],
        },
        { text: 'a and b found' },
      ],
    });
    const result = await adapter.run(ask(api, 'look up a and b'));
    expect(result.status).toBe('completed');
    expect(result.outputText).toBe('a and b found');
    expect(probe.maxInFlight).toBe(2);
    expect(outputsSent(model.requests, 1)).toEqual([
      { callId: 'call_a', output: 'value of a' },
      { callId: 'call_b', output: 'value of b' },
    ]);
    expect(result.execution.events.map((r) => [r.callId, r.status])).toEqual([
      ['call_a', 'executed'],
      ['call_b', 'executed'],
    ]);
    expect(model.requests[0]!.toolNames).toEqual(['get_balance', 'send_money', 'delete_account', 'lookup']);
  });

  it('sends a denial the model can act on, without gate internals, and lets the model answer it', async () => {
    const { model, probe, adapter } = await start(
      api,
      {
        turns: [
          { toolCalls: [{ callId: 'call_d', name: 'delete_account', arguments: { account: 'acc_1' } }] },
          { text: 'I cannot delete accounts.' },
        ],
      },
      { denyMessage: 'Not permitted by policy; tell the user.' },
    );
    const result = await adapter.run(ask(api, 'delete acc_1'));
    expect(result.status).toBe('completed');
    expect(result.outputText).toBe('I cannot delete accounts.');
    expect(probe.runs.delete_account).toBeUndefined();
    const [sent] = outputsSent(model.requests, 1);
    expect(sent!.callId).toBe('call_d');
    expect(JSON.parse(sent!.output)).toEqual({
      status: 'blocked',
      reason: 'policy_denied',
      message: 'Not permitted by policy; tell the user.',
      retry_after_ms: 60_000,
    });
    expect(result.execution.last?.decisions.find((d) => d.gate === 'policy')?.data).toEqual({ risk: 0.97 });
  });

  it('shows gate data to the model only when exposeDecisionData is on', async () => {
    const { model, adapter } = await start(
      api,
      {
        turns: [
          { toolCalls: [{ callId: 'call_d', name: 'delete_account', arguments: { account: 'acc_1' } }] },
          { text: 'ok' },
        ],
      },
      { exposeDecisionData: true },
    );
    await adapter.run(ask(api, 'delete acc_1'));
    const denial = JSON.parse(outputsSent(model.requests, 1)[0]!.output);
    expect(denial.message).toBe('Deleting accounts is not allowed.');
    expect(denial.decisions).toContainEqual({
      gate: 'policy',
      outcome: 'block',
      reason: 'policy_denied',
      data: { risk: 0.97 },
    });
  });

  it('blocks malformed and schema-invalid arguments before the handler, telling the model what to fix', async () => {
    const { model, probe, adapter } = await start(api, {
      turns: [
        {
          toolCalls: [
            { callId: 'call_json', name: 'get_balance', arguments: '{"account": ' },
            { callId: 'call_schema', name: 'send_money', arguments: { to: 'bob', amount: 'lots' } },
          ],
        },
        { text: 'let me fix that' },
      ],
    });
    const result = await adapter.run(ask(api, 'pay bob'));
    expect(result.status).toBe('completed');
    expect(probe.runs).toEqual({});
    const [bad, invalid] = outputsSent(model.requests, 1).map((o) => JSON.parse(o.output));
    expect(bad).toMatchObject({ status: 'blocked', reason: 'invalid_json' });
    expect(invalid).toMatchObject({ status: 'blocked', reason: 'invalid_arguments' });
    expect(invalid.message).toContain('/amount');
  });

  it('answers a tool the model invented with unknown_tool and the list of real ones', async () => {
    const { model, adapter } = await start(api, {
      turns: [{ toolCalls: [{ callId: 'call_x', name: 'transfer_all', arguments: {} }] }, { text: 'sorry' }],
    });
    await adapter.run(ask(api, 'move everything'));
    const denial = JSON.parse(outputsSent(model.requests, 1)[0]!.output);
    expect(denial).toMatchObject({ status: 'blocked', reason: 'unknown_tool' });
    expect(denial.message).toContain('get_balance');
  });

  it('ends with max_rounds, not a crash, and leaves a conversation that can be continued', async () => {
    const { model, probe, adapter } = await start(
      api,
      { respond: () => ({ toolCalls: [{ name: 'get_balance', arguments: { account: 'acc_1' } }] }) },
      { maxToolRounds: 2 },
    );
    const result = await adapter.run(ask(api, 'loop forever'));
    expect(result.status).toBe('max_rounds');
    expect(result.rounds).toBe(2);
    expect(probe.runs.get_balance).toBe(2);
    expect(model.requests).toHaveLength(3);
    const transcript = (api === 'chat' ? result.messages : result.input) as unknown as Record<string, unknown>[];
    const last = transcript.at(-1)!;
    expect(last.role === 'tool' || last.type === 'function_call_output').toBe(true);
  });

  it('sends the run’s request parameters with every model call, and its context to every gate', async () => {
    const { model, runner, adapter } = await start(api, {
      turns: [{ toolCalls: [{ callId: 'call_s', name: 'send_money', arguments: { to: 'bob', amount: 500 } }] }],
    });
    const result = await adapter.run({
      ...ask(api, 'pay bob'),
      context: { actor: 'alice', tenant: 't1' },
      request: { temperature: 0, metadata: { run: 'r1' } },
    });
    expect(model.requests[0]!.body).toMatchObject({ model: 'gpt-test', temperature: 0, metadata: { run: 'r1' } });
    const approval = await runner.getApproval(result.interruptions![0]!.approvalId);
    expect(approval?.context).toMatchObject({ actor: 'alice', tenant: 't1' });
    expect(result.state?.request).toEqual({ temperature: 0, metadata: { run: 'r1' } });
  });

  it('keeps concurrent runs on one adapter apart', async () => {
    const { model, adapter } = await start(api, {
      respond: (request) => {
        const who = JSON.stringify(request.conversation[0]).includes('alice') ? 'alice' : 'bob';
        if (request.toolOutputs.length === 0) {
          return { toolCalls: [{ callId: `call_${who}`, name: 'get_balance', arguments: { account: who } }] };
        }
        return { text: `balance for ${who}: ${request.toolOutputs[0]!.output}` };
      },
    });
    const [alice, bob] = await Promise.all([
      adapter.run({ ...ask(api, 'balance of alice'), context: { actor: 'alice' } }),
      adapter.run({ ...ask(api, 'balance of bob'), context: { actor: 'bob' } }),
    ]);
    expect(alice.outputText).toBe('balance for alice: {"account":"alice","balance":"12.50"}');
    expect(bob.outputText).toBe('balance for bob: {"account":"bob","balance":"12.50"}');
    expect(alice.execution.events.map((r) => r.callId)).toEqual(['call_alice']);
    expect(bob.execution.events.map((r) => r.callId)).toEqual(['call_bob']);
    expect(alice.execution.last?.traceId).not.toBe(bob.execution.last?.traceId);
    expect(model.requests).toHaveLength(4);
  });
});

describe('the Responses API conversation', () => {
  const turns = () => [
    { toolCalls: [{ callId: 'call_1', name: 'get_balance', arguments: { account: 'acc_1' } }] },
    { text: 'It is 12.50.' },
  ];

  it('chains stored responses with previous_response_id and sends only the new items', async () => {
    const { model, adapter } = await start('responses', { turns: turns() });
    const result = await adapter.run({ input: 'balance?' });
    const [first, second] = model.requests;
    expect(first!.previousResponseId).toBeUndefined();
    expect(second!.previousResponseId).toBe(first!.responseId);
    expect(result.previousResponseId).toBe(second!.responseId);
    expect(second!.items).toEqual([
      { type: 'function_call_output', call_id: 'call_1', output: '{"account":"acc_1","balance":"12.50"}' },
    ]);
    expect(second!.conversation.map((i) => i.type ?? i.role)).toEqual([
      'user',
      'function_call',
      'function_call_output',
    ]);
  });

  it('replays the full input with store: false and never sends previous_response_id', async () => {
    const { model, adapter } = await start('responses', { turns: turns() });
    const result = await adapter.run({ input: 'balance?', request: { store: false } });
    expect(result.status).toBe('completed');
    expect(result.previousResponseId).toBeUndefined();
    const second = model.requests[1]!;
    expect(second.store).toBe(false);
    expect(second.previousResponseId).toBeUndefined();
    expect(second.items.map((i) => i.type ?? i.role)).toEqual(['user', 'function_call', 'function_call_output']);
    expect(second.items[1]).toMatchObject({ type: 'function_call', call_id: 'call_1', name: 'get_balance' });
  });
});
