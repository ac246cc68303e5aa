import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { type ScriptedModel, type ScriptedRequest, startScriptedModel } from '../src/server/index.js';

let model: ScriptedModel | undefined;
afterEach(async () => {
  await model?.close();
  model = undefined;
});

async function start(options: Parameters<typeof startScriptedModel>[0]) {
  model = await startScriptedModel(options);
  return { model, client: new OpenAI({ apiKey: 'sk-test', baseURL: model.baseURL, maxRetries: 0 }) };
}

const tool = { type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object' } } };
const call = { callId: 'call_1', name: 'lookup', arguments: { key: 'k' } };

describe('the scripted model', () => {
  it('answers Chat Completions with text and tool calls, and plausible usage', async () => {
    const { client } = await start({ turns: [{ text: 'Looking.', toolCalls: [call] }] });
    const completion = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'find k' }],
      tools: [tool],
    });
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBe('Looking.');
    expect(choice.message.tool_calls).toEqual([
      { id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"key":"k"}' } },
    ]);
    const usage = completion.usage!;
    expect(usage.prompt_tokens).toBeGreaterThan(0);
    expect(usage.completion_tokens).toBeGreaterThan(0);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
  });

  it('streams chat chunks the SDK’s own helper assembles', async () => {
    const { client } = await start({ turns: [{ text: 'Looking it up.', toolCalls: [call] }] });
    const stream = client.chat.completions.stream({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'find k' }],
      tools: [tool],
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe('Looking it up.');
    expect(final.choices[0]!.message.tool_calls?.[0]).toMatchObject({
      id: 'call_1',
      function: { name: 'lookup', arguments: '{"key":"k"}' },
    });
    expect(final.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('streams Responses events the SDK’s own helper assembles', async () => {
    const { client } = await start({ turns: [{ text: 'Looking.', toolCalls: [call] }] });
    const final = await client.responses
      .stream({
        model: 'gpt-test',
        input: 'find k',
        tools: [{ type: 'function', name: 'lookup', parameters: {}, strict: false }],
      })
      .finalResponse();
    expect(final.output_text).toBe('Looking.');
    expect(final.output.map((i) => i.type)).toEqual(['message', 'function_call']);
    expect(final.output[1]).toMatchObject({ call_id: 'call_1', name: 'lookup', arguments: '{"key":"k"}' });
    expect(final.usage?.total_tokens).toBe((final.usage?.input_tokens ?? 0) + (final.usage?.output_tokens ?? 0));
  });

  it('gives respond the parsed request, including the chain behind previous_response_id', async () => {
    const seen: ScriptedRequest[] = [];
    const { client } = await start({
      respond: (request) => {
        seen.push(request);
        return request.toolOutputs.length ? { text: `got ${request.toolOutputs[0]!.output}` } : { toolCalls: [call] };
      },
    });
    const first = await client.responses.create({ model: 'gpt-test', input: 'find k', instructions: 'be brief' });
    const second = await client.responses.create({
      model: 'gpt-test',
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: 'call_1', output: 'v' }],
    });
    expect(second.output_text).toBe('got v');
    expect(seen[1]!.previousResponseId).toBe(first.id);
    expect(seen[1]!.conversation.map((i) => i.type ?? i.role)).toEqual([
      'user',
      'function_call',
      'function_call_output',
    ]);
    expect(seen[1]!.toolOutputs).toEqual([{ callId: 'call_1', output: 'v' }]);
    expect(model!.requests).toEqual(seen);
  });

  it('refuses an unknown or unstored previous_response_id like the real API', async () => {
    const { client } = await start({ turns: [{ text: 'a' }, { text: 'b' }] });
    const unstored = await client.responses.create({ model: 'gpt-test', input: 'hi', store: false });
    const err = await client.responses
      .create({ model: 'gpt-test', input: 'again', previous_response_id: unstored.id })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err).toMatchObject({ code: 'previous_response_not_found' });
  });

  it('answers with an API error when the script runs out or scripts one', async () => {
    const { client } = await start({ turns: [{ error: { status: 429, message: 'slow down', type: 'rate_limit' } }] });
    const limited = await client.chat.completions
      .create({ model: 'gpt-test', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    const exhausted = await client.chat.completions
      .create({ model: 'gpt-test', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(exhausted).toBeInstanceOf(OpenAI.InternalServerError);
    expect((exhausted as Error).message).toContain('no turn left');
  });

  it('answers unknown routes with 404', async () => {
    const { model } = await start({ turns: [] });
    const res = await fetch(`${model.baseURL}/embeddings`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
  });
});
