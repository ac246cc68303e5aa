import { fail, idOf, isObject, type Parsed, parseLabels, type TraceCall, type TraceEpisode } from './format.js';
import { textOf, transcriptProvenance } from './provenance.js';

/** What a tool message recorded for a call: its content and, in AgentDojo's transcripts, its error. */
export interface RecordedOutput {
  /** The tool message's content (text parts joined). */
  output: unknown;
  /** The recorded error, when the tool failed. */
  error?: string;
}

/**
 * Imports one OpenAI Chat Completions transcript: `{ id?, labels?, context?, messages: [...] }`.
 * Each assistant message's `tool_calls` (`{id, type: 'function', function: {name, arguments}}`) become calls,
 * in order; the `tool` message with the same `tool_call_id` gives the call's output. AgentDojo's transcripts
 * (`{id, name, arguments}` tool calls, an `error` field on tool messages, `episode_id`) are read too.
 * @param line the line number, for the id of an episode that has none (`line-<n>`)
 */
export function importOpenAIChat(value: unknown, line: number): Parsed<TraceEpisode> {
  if (!isObject(value) || !Array.isArray(value.messages)) return fail('expected an object with a `messages` array');
  // Checked as in tollgate's format: a bad context or label must refuse the line, not vanish from it.
  if (value.context !== undefined && !isObject(value.context)) return fail('`context` must be an object');
  const labels = parseLabels(value.labels);
  if (!labels.ok) return labels;
  const outputs = toolOutputs(value.messages);
  const calls: TraceCall[] = [];
  for (const [m, message] of value.messages.entries()) {
    if (!isObject(message) || message.role !== 'assistant' || !Array.isArray(message.tool_calls)) continue;
    for (const [i, raw] of message.tool_calls.entries()) {
      if (!isObject(raw)) return fail(`messages[${m}].tool_calls[${i}] must be an object`);
      const fn = isObject(raw.function) ? raw.function : raw;
      const id = idOf(raw.id);
      if (id === undefined) return fail(`messages[${m}].tool_calls[${i}].id must be a non-empty string`);
      if (typeof fn.name !== 'string' || fn.name === '') {
        return fail(`messages[${m}].tool_calls[${i}] has no function name`);
      }
      const args = fn.arguments ?? '';
      if (typeof args !== 'string' && !isObject(args)) {
        return fail(`messages[${m}].tool_calls[${i}] arguments must be a JSON string or an object`);
      }
      const call: TraceCall = { id, tool: fn.name, arguments: args };
      const recorded = outputs.get(id);
      if (recorded) {
        call.output = recorded.output;
        if (recorded.error) call.error = recorded.error;
      }
      calls.push(call);
    }
  }
  const episode: TraceEpisode = { id: idOf(value.id) ?? idOf(value.episode_id) ?? `line-${line}`, calls };
  if (value.context !== undefined) episode.context = value.context as TraceEpisode['context'];
  if (labels.value) episode.labels = labels.value;
  // What the model read before each call: the system and user messages and the earlier tool outputs.
  episode.provenance = transcriptProvenance(value.messages);
  return { ok: true, value: episode };
}

/** The tool messages of a transcript, by `tool_call_id`. */
export function toolOutputs(messages: readonly unknown[]): Map<string, RecordedOutput> {
  const out = new Map<string, RecordedOutput>();
  for (const message of messages) {
    if (!isObject(message) || message.role !== 'tool' || typeof message.tool_call_id !== 'string') continue;
    const recorded: RecordedOutput = { output: textOf(message.content) };
    if (typeof message.error === 'string' && message.error !== '') recorded.error = message.error;
    out.set(message.tool_call_id, recorded);
  }
  return out;
}
