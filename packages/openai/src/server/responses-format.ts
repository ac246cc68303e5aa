import { halves, newId, type RenderedTurn, textDeltas } from './turn.js';

/** The output items of a turn: a message item for the text, then one function_call item per call. */
export function outputItems(turn: RenderedTurn): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [];
  if (turn.text) {
    items.push({
      id: newId('msg_'),
      type: 'message',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: turn.text, annotations: [], logprobs: [] }],
    });
  }
  for (const c of turn.toolCalls) {
    items.push({
      id: newId('fc_'),
      type: 'function_call',
      status: 'completed',
      call_id: c.callId,
      name: c.name,
      arguments: c.arguments,
    });
  }
  return items;
}

/** A `response` object, as `POST /v1/responses` returns it, echoing the request's settings. */
export function responseObject(
  id: string,
  turn: RenderedTurn,
  output: Record<string, unknown>[],
  body: Record<string, unknown>,
  status: 'in_progress' | 'completed',
): Record<string, unknown> {
  return {
    id,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status,
    model: body.model,
    output: status === 'completed' ? output : [],
    instructions: body.instructions ?? null,
    previous_response_id: body.previous_response_id ?? null,
    store: body.store ?? true,
    tools: body.tools ?? [],
    tool_choice: body.tool_choice ?? 'auto',
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    temperature: body.temperature ?? 1,
    top_p: body.top_p ?? 1,
    text: { format: { type: 'text' } },
    metadata: body.metadata ?? {},
    error: null,
    incomplete_details: null,
    usage:
      status === 'completed'
        ? {
            input_tokens: turn.usage.input,
            input_tokens_details: { cached_tokens: 0 },
            output_tokens: turn.usage.output,
            output_tokens_details: { reasoning_tokens: 0 },
            total_tokens: turn.usage.input + turn.usage.output,
          }
        : null,
  };
}

/**
 * The server-sent events of a streamed response, in the order the API sends them: `response.created`,
 * `response.in_progress`, per item `output_item.added` → deltas → `…done` → `output_item.done`, then
 * `response.completed` holding the full response. Each event carries its `sequence_number`.
 */
export function responseEvents(
  id: string,
  turn: RenderedTurn,
  output: Record<string, unknown>[],
  body: Record<string, unknown>,
): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  const emit = (type: string, fields: Record<string, unknown>) =>
    events.push({ type, sequence_number: events.length, ...fields });
  emit('response.created', { response: responseObject(id, turn, output, body, 'in_progress') });
  emit('response.in_progress', { response: responseObject(id, turn, output, body, 'in_progress') });
  output.forEach((item, output_index) => {
    const item_id = item.id;
    if (item.type === 'message') {
      const text = turn.text ?? '';
      emit('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', content: [] } });
      const part = { type: 'output_text', text: '', annotations: [], logprobs: [] };
      emit('response.content_part.added', { output_index, item_id, content_index: 0, part });
      for (const delta of textDeltas(text)) {
        emit('response.output_text.delta', { output_index, item_id, content_index: 0, delta, logprobs: [] });
      }
      emit('response.output_text.done', { output_index, item_id, content_index: 0, text, logprobs: [] });
      emit('response.content_part.done', { output_index, item_id, content_index: 0, part: { ...part, text } });
    } else {
      const args = String(item.arguments);
      emit('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', arguments: '' } });
      for (const delta of halves(args)) {
        emit('response.function_call_arguments.delta', { output_index, item_id, delta });
      }
      emit('response.function_call_arguments.done', { output_index, item_id, name: item.name, arguments: args });
    }
    emit('response.output_item.done', { output_index, item });
  });
  emit('response.completed', { response: responseObject(id, turn, output, body, 'completed') });
  return events;
}

/** A fresh response id. */
export const newResponseId = () => newId('resp_');
