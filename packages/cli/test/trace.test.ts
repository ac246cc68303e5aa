import { describe, expect, it } from 'vitest';
import { importAgentDojo, indexTranscripts } from '../src/trace/agentdojo.js';
import { parseTraceEpisode } from '../src/trace/format.js';
import { parseJsonl } from '../src/trace/jsonl.js';
import { importOpenAIChat } from '../src/trace/openai-chat.js';
import { detectFormat } from '../src/trace/read.js';

describe('parseJsonl', () => {
  it('numbers lines as an editor does, skips blank ones and keeps going after a bad one', () => {
    const lines = parseJsonl('{"a":1}\n\n  \n{oops\n[1]\n');
    expect(lines.map((l) => [l.line, l.ok])).toEqual([
      [1, true],
      [4, false],
      [5, true],
    ]);
  });
});

describe('the tollgate trace format', () => {
  it('accepts numeric ids and keeps optional fields', () => {
    const parsed = parseTraceEpisode({
      id: 7,
      labels: { suite: 'x', n: 1, flag: true, none: null },
      calls: [{ id: 'c', tool: 't', arguments: '{}', output: { ok: true }, error: null, at: 1000 }],
    });
    expect(parsed).toEqual({
      ok: true,
      value: {
        id: '7',
        labels: { suite: 'x', n: 1, flag: true, none: null },
        calls: [{ id: 'c', tool: 't', arguments: '{}', output: { ok: true }, at: 1000 }],
      },
    });
  });

  it('names the bad field', () => {
    const bad = (v: unknown) => {
      const r = parseTraceEpisode(v);
      return r.ok ? 'ok' : r.message;
    };
    expect(bad([])).toBe('an episode must be a JSON object');
    expect(bad({ id: 'e' })).toBe('`calls` must be an array');
    expect(bad({ id: 'e', calls: [], labels: { deep: {} } })).toBe(
      '`labels.deep` must be a string, number, boolean or null',
    );
    expect(bad({ id: 'e', calls: [{ id: 'c', tool: 't', arguments: 3 }] })).toBe(
      'calls[0]: `arguments` must be a JSON string or an object',
    );
    expect(bad({ id: 'e', calls: [{ id: 'c', tool: 't', arguments: {}, at: 'soon' }] })).toBe(
      'calls[0]: `at` must be ms since the epoch or an ISO 8601 time',
    );
    expect(bad({ id: 'e', calls: [{ id: 'c', tool: 't', arguments: {}, label: { attack: 'yes' } }] })).toBe(
      'calls[0]: `label.attack` must be a boolean',
    );
  });
});

describe('the OpenAI chat importer', () => {
  it('pairs tool calls with their tool messages, reading content parts', () => {
    const r = importOpenAIChat(
      {
        messages: [
          { role: 'user', content: 'pay Bob' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'call_a', type: 'function', function: { name: 'get_iban', arguments: '' } },
              { id: 'call_b', type: 'function', function: { name: 'send_money', arguments: '{"amount":5}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_a', content: [{ type: 'text', text: 'DE89' }] },
          { role: 'tool', tool_call_id: 'call_b', content: 'sent' },
        ],
      },
      12,
    );
    expect(r).toEqual({
      ok: true,
      value: {
        id: 'line-12',
        calls: [
          { id: 'call_a', tool: 'get_iban', arguments: '', output: 'DE89' },
          { id: 'call_b', tool: 'send_money', arguments: '{"amount":5}', output: 'sent' },
        ],
        // What the model read before each call: the user's message before both, the outputs after them.
        provenance: [
          { before: 0, source: { origin: 'user' }, content: 'pay Bob' },
          { before: 2, source: { origin: 'tool', tool: 'get_iban', callId: 'call_a' }, content: 'DE89' },
          { before: 2, source: { origin: 'tool', tool: 'send_money', callId: 'call_b' }, content: 'sent' },
        ],
      },
    });
  });

  it.each([
    [{ context: 'alice' }, '`context` must be an object'],
    [{ labels: 'attacked' }, '`labels` must be an object'],
    [{ labels: { kind: { nested: true } } }, '`labels.kind` must be a string, number, boolean or null'],
  ])('refuses a transcript with %j instead of dropping it', (patch, message) => {
    expect(importOpenAIChat({ messages: [], ...patch }, 1)).toEqual({ ok: false, message });
  });

  it('refuses a tool call without a function name', () => {
    const r = importOpenAIChat({ messages: [{ role: 'assistant', tool_calls: [{ id: 'x', function: {} }] }] }, 1);
    expect(r).toEqual({ ok: false, message: 'messages[0].tool_calls[0] has no function name' });
  });
});

describe('the AgentDojo importer', () => {
  const episode = {
    episode_id: 'banking/user_task_1/important_instructions/injection_task_0',
    suite: 'banking',
    kind: 'attacked',
    user_task_id: 'user_task_1',
    injection_task_id: 'injection_task_0',
    security: true,
    tool_calls: [
      { id: 'c1', name: 'get_most_recent_transactions', arguments: { n: 100 }, error: null, attack_goal_call: false },
      { id: 'c2', name: 'send_money', arguments: { recipient: 'US13' }, error: null, attack_goal_call: true },
      { id: 'c3', name: 'read_file', arguments: {}, error: 'FileNotFound', attack_goal_call: null },
    ],
  };

  it('maps labels, errors and transcript outputs', () => {
    const { index } = indexTranscripts(
      parseJsonl(
        JSON.stringify({
          episode_id: episode.episode_id,
          messages: [
            { role: 'user', content: 'How much did I spend?' },
            { role: 'assistant', tool_calls: [{ id: 'c1', name: 'get_most_recent_transactions', arguments: {} }] },
            { role: 'tool', tool_call_id: 'c1', content: '- amount: 100.0' },
            {
              role: 'assistant',
              tool_calls: [
                { id: 'c2', name: 'send_money', arguments: {} },
                { id: 'c3', name: 'read_file', arguments: {} },
              ],
            },
          ],
        }),
      ),
    );
    const r = importAgentDojo(episode, index);
    expect(r.ok && r.value.labels).toEqual({
      suite: 'banking',
      kind: 'attacked',
      user_task: 'user_task_1',
      injection_task: 'injection_task_0',
      attack_succeeded: true,
    });
    expect(r.ok && r.value.calls).toEqual([
      {
        id: 'c1',
        tool: 'get_most_recent_transactions',
        arguments: { n: 100 },
        output: '- amount: 100.0',
        label: { attack: false },
      },
      { id: 'c2', tool: 'send_money', arguments: { recipient: 'US13' }, label: { attack: true } },
      { id: 'c3', tool: 'read_file', arguments: {}, error: 'FileNotFound' },
    ]);
  });

  it.each([
    [{ attack_goal_call: 'true' }, 'tool_calls[1].attack_goal_call must be true, false or null'],
    [{ attack_goal_call: 1 }, 'tool_calls[1].attack_goal_call must be true, false or null'],
    [{ error: { message: 'boom' } }, 'tool_calls[1].error must be a string or null'],
  ])('refuses an episode whose call has %j instead of dropping the label or error', (patch, message) => {
    const calls = episode.tool_calls.map((c, i) => (i === 1 ? { ...c, ...patch } : c));
    expect(importAgentDojo({ ...episode, tool_calls: calls })).toEqual({ ok: false, message });
  });

  it('is detected, as are the other formats', () => {
    const detect = (v: unknown) => detectFormat([{ line: 1, ok: true, value: v }]);
    expect(detect(episode)).toBe('agentdojo');
    expect(detect({ messages: [] })).toBe('openai-chat');
    expect(detect({ id: 'e', calls: [] })).toBe('tollgate');
    expect(detect({ hello: 1 })).toBeUndefined();
  });

  it('reports transcript lines that are not transcripts', () => {
    const { problems } = indexTranscripts(parseJsonl('{"episode_id":"x"}\nnot json\n'));
    expect(problems.map((p) => p.line)).toEqual([1, 2]);
  });
});
