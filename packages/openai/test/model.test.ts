import { afterEach, describe, expect, it } from 'vitest';
import type { OpenAIApi } from '../src/index.js';
import { ask, setup } from './fixtures.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe.each<OpenAIApi>(['chat', 'responses'])('a per-call model on the %s API', (api) => {
  it('sends run({ model }) on every model call of that run, and the adapter’s model otherwise', async () => {
    const env = await setup(api, {
      respond: (req) =>
        req.toolOutputs.length === 0
          ? { toolCalls: [{ name: 'get_balance', arguments: { account: 'acc_1' } }] }
          : { text: 'done' },
    });
    cleanup = env.model.close;
    await env.adapter.run({ ...ask(api, 'balance?'), model: 'gpt-big' });
    await env.adapter.run(ask(api, 'balance?'));
    expect(env.model.requests.map((r) => r.model)).toEqual(['gpt-big', 'gpt-big', 'gpt-test', 'gpt-test']);
  });

  it('keeps the run’s model in its state and resumes with it', async () => {
    const env = await setup(api, {
      respond: (req) =>
        req.toolOutputs.length === 0
          ? { toolCalls: [{ name: 'send_money', arguments: { to: 'bob', amount: 500 } }] }
          : { text: 'sent' },
    });
    cleanup = env.model.close;
    const paused = await env.adapter.run({ ...ask(api, 'pay bob 500'), model: 'gpt-big', context: { actor: 'a1' } });
    expect(paused.status).toBe('paused');
    expect(paused.state!.model).toBe('gpt-big');
    const state = JSON.parse(JSON.stringify(paused.state));
    const done = await env.adapter.resume(state, { [state.approvalIds[0]]: { approve: true, by: 'ops' } });
    expect(done.status).toBe('completed');
    expect(env.model.requests.map((r) => r.model)).toEqual(['gpt-big', 'gpt-big']);
  });

  it('refuses a model that is not a non-empty string', async () => {
    const env = await setup(api, { turns: [{ text: 'hi' }] });
    cleanup = env.model.close;
    await expect(env.adapter.run({ ...ask(api, 'hi'), model: '' })).rejects.toThrow(TypeError);
    await expect(env.adapter.run({ ...ask(api, 'hi'), model: 42 as never })).rejects.toThrow(/model/);
  });
});
