import { afterEach, describe, expect, it } from 'vitest';
import type { OpenAIApi, RunEvent, RunResult } from '../src/index.js';
import { ask, outputsSent, setup } from './fixtures.js';

const apis: OpenAIApi[] = ['chat', 'responses'];
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function collect(stream: AsyncIterable<RunEvent>) {
  const events: RunEvent[] = [];
  for await (const event of stream) events.push(event);
  const final = events.at(-1);
  if (final?.type !== 'final_response') throw new Error('the stream did not end with final_response');
  return { events, result: final.result as RunResult };
}

/** Event types with runs of the same type collapsed: the shape of the stream. */
const shape = (events: RunEvent[]) => events.map((e) => e.type).filter((t, i, all) => t !== all[i - 1]);

describe.each(apis)('streaming on %s', (api) => {
  it('emits llm_delta, tool_call, execution_event and final_response in order', async () => {
    const env = await setup(api, {
      turns: [
        {
          text: 'Let me check both.',
          toolCalls: [
            { callId: 'call_a', name: 'get_balance', arguments: { account: 'a' } },
            { callId: 'call_b', name: 'get_balance', arguments: { account: 'b' } },
          ],
        },
        { text: 'Both hold 12.50.' },
      ],
    });
    cleanup = env.model.close;
    const { events, result } = await collect(env.adapter.runStream(ask(api, 'balances?')));
    expect(shape(events)).toEqual(['llm_delta', 'tool_call', 'execution_event', 'llm_delta', 'final_response']);
    const deltas = events.flatMap((e) => (e.type === 'llm_delta' ? [e.delta] : []));
    expect(deltas.length).toBeGreaterThan(2);
    expect(deltas.join('')).toBe('Let me check both.Both hold 12.50.');
    expect(events.flatMap((e) => (e.type === 'tool_call' ? [e.call] : []))).toEqual([
      { callId: 'call_a', name: 'get_balance', arguments: '{"account":"a"}' },
      { callId: 'call_b', name: 'get_balance', arguments: '{"account":"b"}' },
    ]);
    expect(events.flatMap((e) => (e.type === 'execution_event' ? [[e.callId, e.status, e.round]] : []))).toEqual([
      ['call_a', 'executed', 1],
      ['call_b', 'executed', 1],
    ]);
    expect(result.status).toBe('completed');
    expect(result.outputText).toBe('Both hold 12.50.');
    expect(result.response?.usage).toBeDefined();
    expect(env.model.requests.every((r) => r.stream)).toBe(true);
  });

  it('streams malformed arguments to a strict tool into a validation block, not a crash', async () => {
    const env = await setup(api, {
      turns: [
        { toolCalls: [{ callId: 'call_s', name: 'send_money', arguments: '{"to":"bob","amount":' }] },
        { text: 'oops' },
      ],
    });
    cleanup = env.model.close;
    const { events, result } = await collect(env.adapter.runStream(ask(api, 'pay bob')));
    expect(result.status).toBe('completed');
    expect(events.find((e) => e.type === 'execution_event')).toMatchObject({
      status: 'blocked',
      reason: 'invalid_json',
    });
    expect(env.probe.runs).toEqual({});
    expect(JSON.parse(outputsSent(env.model.requests, 1)[0]!.output).reason).toBe('invalid_json');
  });

  it('pauses in a stream and resumes as a stream', async () => {
    const env = await setup(api, {
      turns: [
        { toolCalls: [{ callId: 'call_s', name: 'send_money', arguments: { to: 'bob', amount: 500 } }] },
        { text: 'Sent.' },
      ],
    });
    cleanup = env.model.close;
    const first = await collect(env.adapter.runStream(ask(api, 'send 500 to bob')));
    expect(first.result.status).toBe('paused');
    expect(shape(first.events)).toEqual(['tool_call', 'execution_event', 'final_response']);
    const id = first.result.interruptions![0]!.approvalId;
    const second = await collect(env.adapter.resumeStream(first.result.state!, { [id]: { approve: true, by: 'ops' } }));
    expect(shape(second.events)).toEqual(['execution_event', 'llm_delta', 'final_response']);
    expect(second.result.outputText).toBe('Sent.');
    expect(outputsSent(env.model.requests, 1)[0]!.output).toBe('sent 500 to bob');
  });

  it('stops cleanly when the consumer stops reading', async () => {
    const env = await setup(api, {
      turns: [{ text: 'A long answer that the consumer will not read to the end.' }],
    });
    cleanup = env.model.close;
    const seen: RunEvent[] = [];
    for await (const event of env.adapter.runStream(ask(api, 'talk'))) {
      seen.push(event);
      break;
    }
    expect(seen).toEqual([{ type: 'llm_delta', delta: 'A', round: 1 }]);
  });
});
