import type { AnyToolCall, OpenAIApi, ToolCall, ToolOutputMessage } from './types.js';

/** Which API a call came from, and the call in the runner's terms. */
export function normalizeToolCall(call: AnyToolCall): { api: OpenAIApi; call: ToolCall } {
  if (call && 'function' in call && call.function && typeof call.id === 'string') {
    return { api: 'chat', call: { callId: call.id, name: call.function.name, arguments: call.function.arguments } };
  }
  if (call && 'call_id' in call && call.type === 'function_call' && typeof call.call_id === 'string') {
    return { api: 'responses', call: { callId: call.call_id, name: call.name, arguments: call.arguments } };
  }
  throw new TypeError(
    'Not a function tool call: expected {id, function: {name, arguments}} (Chat Completions) or ' +
      "{type: 'function_call', call_id, name, arguments} (Responses).",
  );
}

/** The message that answers a call in its API: a Chat `tool` message or a Responses `function_call_output`. */
export function toolOutputMessage(api: OpenAIApi, callId: string, content: string): ToolOutputMessage {
  return api === 'chat'
    ? { role: 'tool', tool_call_id: callId, content }
    : { type: 'function_call_output', call_id: callId, output: content };
}
