import { Command } from '@langchain/langgraph';
import { afterEach, describe, expect, it } from 'vitest';
import type { TollgateInterrupt } from '../src/index.js';
import { setup, thread } from './fixtures.js';

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

describe('tollgateMiddleware', () => {
  it('runs an allowed call through the runner and shows its output to the model', async () => {
    const env = await start({
      turns: [
        { toolCalls: [{ callId: 'call_bal', name: 'get_balance', arguments: { account: 'acc_1' } }] },
        { text: 'You have 12.50.' },
      ],
    });
    const events: string[] = [];
    env.runner.onDecision((e) => {
      events.push(e.type);
    });
    const out = await env.agent.invoke({ messages: [{ role: 'user', content: 'balance?' }] }, thread('t-exec'));
    expect(env.ran).toEqual(['get_balance acc_1']);
    expect(out.messages.at(-1)?.content).toBe('You have 12.50.');
    expect(env.model.requests[1]!.toolOutputs).toEqual([
      { callId: 'call_bal', output: '{"account":"acc_1","balance":"12.50"}' },
    ]);
    console.log(events);
  });

  it('pauses for an approval, and a resume with approve runs the call once', async () => {
    const env = await start({
      turns: [
        { toolCalls: [{ callId: 'call_send', name: 'send_money', arguments: { to: 'bob', amount: 500 } }] },
        { text: 'done' },
      ],
    });
    const config = thread('t-approve');
    const paused = await env.agent.invoke({ messages: [{ role: 'user', content: 'send 500 to bob' }] }, config);
    const interrupt = (paused as { __interrupt__?: { value: TollgateInterrupt }[] }).__interrupt__?.[0]?.value;
    console.log(JSON.stringify(interrupt, null, 2));
    expect(env.ran).toEqual([]);
    const out = await env.agent.invoke(new Command({ resume: { decisions: [{ type: 'approve' }] } }), config);
    expect(env.ran).toEqual(['send_money bob 500']);
    expect(out.messages.at(-1)?.content).toBe('done');
    console.log(JSON.stringify(env.model.requests[1]!.toolOutputs));
  });
});
