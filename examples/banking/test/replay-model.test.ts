import type { ScriptedRequest } from '@tollgate/openai/server';
import { describe, expect, it } from 'vitest';
import { loadEpisodes } from '../src/data.js';
import { replayModelName, replayResponder } from '../src/replay-model.js';

const episode = loadEpisodes().find((e) => e.id === 'banking/user_task_0/none/none')!;

function request(model: string, conversation: Record<string, unknown>[]): ScriptedRequest {
  const tail = conversation.filter((m) => m.role === 'tool');
  return {
    api: 'chat',
    body: {},
    model,
    stream: false,
    toolNames: [],
    items: conversation,
    conversation,
    toolOutputs:
      conversation.at(-1)?.role === 'tool'
        ? tail.map((m) => ({ callId: String(m.tool_call_id), output: m.content }))
        : [],
  };
}

describe('the replay model', () => {
  const respond = replayResponder([episode]);
  const model = replayModelName(episode);
  const first = episode.calls[0]!;

  it('plays the recorded turns in order, with the recorded call ids', () => {
    const turn = respond(request(model, [{ role: 'user', content: episode.userPrompt }]));
    expect(turn).toEqual({
      text: undefined,
      toolCalls: [{ callId: first.id, name: first.name, arguments: first.arguments }],
    });
    const next = respond(
      request(model, [
        { role: 'user', content: episode.userPrompt },
        { role: 'assistant', tool_calls: [] },
        { role: 'tool', tool_call_id: first.id, content: '{"status":"blocked"}' },
      ]),
    );
    expect(next).toMatchObject({ toolCalls: [{ callId: episode.calls[1]!.id, name: 'send_money' }] });
  });

  it('refuses a conversation that answers other calls than the recording made', () => {
    const turn = respond(
      request(model, [
        { role: 'user', content: episode.userPrompt },
        { role: 'assistant', tool_calls: [] },
        { role: 'tool', tool_call_id: 'call_invented', content: 'ok' },
      ]),
    );
    expect(turn).toMatchObject({ error: { status: 409 } });
  });

  it('refuses an unknown episode', () => {
    expect(respond(request('gpt-4o', []))).toMatchObject({ error: { status: 404 } });
  });
});
