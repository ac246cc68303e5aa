import type { ProvenanceSource } from '@tollgate/core';
import { isObject, type TraceProvenanceEntry } from './format.js';

/** Reads a tool message's text into what provenance records (e.g. fields of a dumped structure). */
export type ContentReader = (text: unknown, tool: string) => unknown;

/**
 * The provenance of a Chat Completions-like transcript: system, developer and user messages and tool outputs, each
 * with the index of the first call made after it. Assistant messages count their `tool_calls` (OpenAI's
 * `{id, function: {name}}` or AgentDojo's `{id, name}`); a tool message's tool is its `name`, else the tool of the
 * call it answers.
 */
export function transcriptProvenance(
  messages: readonly unknown[],
  read: ContentReader = (t) => t,
): TraceProvenanceEntry[] {
  const entries: TraceProvenanceEntry[] = [];
  const names = new Map<string, string>();
  let calls = 0;
  for (const message of messages) {
    if (!isObject(message)) continue;
    const role = message.role;
    if (role === 'assistant') {
      const toolCalls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
      for (const call of toolCalls) {
        const fn = isObject(call) && isObject(call.function) ? call.function : call;
        if (isObject(call) && typeof call.id === 'string' && isObject(fn) && typeof fn.name === 'string') {
          names.set(call.id, fn.name);
        }
      }
      calls += toolCalls.length;
      continue;
    }
    if (role === 'tool' && typeof message.tool_call_id === 'string') {
      const tool = typeof message.name === 'string' ? message.name : (names.get(message.tool_call_id) ?? 'unknown');
      const source: ProvenanceSource = { origin: 'tool', tool, callId: message.tool_call_id };
      entries.push({ before: calls, source, content: read(textOf(message.content), tool) });
    } else if (role === 'system' || role === 'developer' || role === 'user') {
      entries.push({ before: calls, source: { origin: role }, content: textOf(message.content) });
    }
  }
  return entries;
}

/** How many tool calls a transcript's assistant messages make. */
export function transcriptCalls(messages: readonly unknown[]): number {
  return messages.reduce<number>(
    (n, m) => n + (isObject(m) && m.role === 'assistant' && Array.isArray(m.tool_calls) ? m.tool_calls.length : 0),
    0,
  );
}

/** Message content as text: a string as is, content parts joined, anything else unchanged. */
export function textOf(content: unknown): unknown {
  if (!Array.isArray(content)) return content;
  return content.map((part) => (isObject(part) && typeof part.text === 'string' ? part.text : '')).join('');
}
