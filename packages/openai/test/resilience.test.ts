import { afterEach, describe, expect, it } from 'vitest';
import { ModelCallError, type OpenAIApi } from '../src/index.js';
import { ask, setup } from './fixtures.js';

const apis: OpenAIApi[] = ['chat', 'responses'];
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

const outage = { error: { status: 503, message: 'overloaded' } };

describe.each(apis)('provider failures on %s', (api) => {
  it('opens the circuit after consecutive failures and then sends nothing', async () => {
    const env = await setup(api, { turns: [outage, outage, outage] }, { breaker: { consecutiveFailures: 2 } });
    cleanup = env.model.close;
    for (let i = 0; i < 2; i++) {
      await expect(env.adapter.run(ask(api, 'hi'))).rejects.toMatchObject({ code: 'model_error' });
    }
    expect(env.adapter.providerUnavailable).toBe(true);
    const err = await env.adapter.run(ask(api, 'hi')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelCallError);
    expect(err).toMatchObject({ code: 'model_unavailable' });
    expect(env.model.requests).toHaveLength(2);
  });

  it('does not count a bad request against the provider', async () => {
    const bad = { error: { status: 400, message: 'bad tool schema', type: 'invalid_request_error' } };
    const env = await setup(api, { turns: [bad, bad, bad] }, { breaker: { consecutiveFailures: 2 } });
    cleanup = env.model.close;
    for (let i = 0; i < 3; i++) {
      await expect(env.adapter.run(ask(api, 'hi'))).rejects.toMatchObject({ code: 'model_error' });
    }
    expect(env.adapter.providerUnavailable).toBe(false);
    expect(env.model.requests).toHaveLength(3);
  });

  it('reports the tool calls that ran before a model call failed', async () => {
    const env = await setup(api, {
      turns: [{ toolCalls: [{ callId: 'call_1', name: 'get_balance', arguments: { account: 'a' } }] }, outage],
    });
    cleanup = env.model.close;
    const err = (await env.adapter.run(ask(api, 'balance')).catch((e: unknown) => e)) as ModelCallError;
    expect(err.code).toBe('model_error');
    expect(err.message).toContain('overloaded');
    expect(err.execution.events.map((r) => [r.callId, r.status])).toEqual([['call_1', 'executed']]);
  });

  it('rejects params of the other API with a TypeError', async () => {
    const env = await setup(api, { turns: [] });
    cleanup = env.model.close;
    const wrong = api === 'chat' ? { input: 'hi' } : { messages: [] };
    await expect(env.adapter.run(wrong)).rejects.toBeInstanceOf(TypeError);
  });
});
