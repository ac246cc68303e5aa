import { halves, newId, type RenderedTurn, textDeltas } from './turn.js';

const nowSeconds = () => Math.floor(Date.now() / 1000);

function usageOf(turn: RenderedTurn) {
  return {
    prompt_tokens: turn.usage.input,
    completion_tokens: turn.usage.output,
    total_tokens: turn.usage.input + turn.usage.output,
  };
}

const finishReason = (turn: RenderedTurn) => (turn.toolCalls.length > 0 ? 'tool_calls' : 'stop');

/** A `chat.completion` object, as `POST /v1/chat/completions` returns it without streaming. */
export function chatCompletion(turn: RenderedTurn, model: string): Record<string, unknown> {
  const message: Record<string, unknown> = { role: 'assistant', content: turn.text ?? null, refusal: null };
  if (turn.toolCalls.length > 0) {
    message.tool_calls = turn.toolCalls.map((c) => ({
      id: c.callId,
      type: 'function',
      function: { name: c.name, arguments: c.arguments },
    }));
  }
  return {
    id: newId('chatcmpl-'),
    object: 'chat.completion',
    created: nowSeconds(),
    model,
    choices: [{ index: 0, message, finish_reason: finishReason(turn), logprobs: null }],
    usage: usageOf(turn),
  };
}

/**
 * The `chat.completion.chunk` objects of a streamed turn: a role chunk, content deltas, each tool call
 * opened with its id, type and name and its arguments in two deltas, a finish chunk, then (when
 * `stream_options.include_usage` is set) a usage chunk with no choices.
 */
export function chatChunks(turn: RenderedTurn, model: string, includeUsage: boolean): Record<string, unknown>[] {
  const base = { id: newId('chatcmpl-'), object: 'chat.completion.chunk', created: nowSeconds(), model };
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    ...base,
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
  });
  const out = [chunk({ role: 'assistant', content: '', refusal: null })];
  for (const piece of turn.text ? textDeltas(turn.text) : []) out.push(chunk({ content: piece }));
  turn.toolCalls.forEach((c, index) => {
    out.push(
      chunk({ tool_calls: [{ index, id: c.callId, type: 'function', function: { name: c.name, arguments: '' } }] }),
    );
    for (const part of halves(c.arguments)) out.push(chunk({ tool_calls: [{ index, function: { arguments: part } }] }));
  });
  out.push(chunk({}, finishReason(turn)));
  if (includeUsage) out.push({ ...base, choices: [], usage: usageOf(turn) } as never);
  return out;
}
