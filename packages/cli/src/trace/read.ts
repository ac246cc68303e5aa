import { importAgentDojo, type TranscriptIndex } from './agentdojo.js';
import { isObject, type Parsed, parseTraceEpisode, type TraceEpisode } from './format.js';
import type { JsonlLine } from './jsonl.js';
import { importOpenAIChat } from './openai-chat.js';

/** The input formats `tollgate replay` reads. */
export const TRACE_FORMATS = ['tollgate', 'agentdojo', 'openai-chat'] as const;
/** One of {@link TRACE_FORMATS}. */
export type TraceFormat = (typeof TRACE_FORMATS)[number];

/**
 * Guesses the format from the first line that parses: `episode_id` with `tool_calls` is AgentDojo,
 * `messages` is an OpenAI chat transcript, `calls` is tollgate's own. `undefined` when no line tells.
 */
export function detectFormat(lines: readonly JsonlLine[]): TraceFormat | undefined {
  for (const line of lines) {
    if (!line.ok || !isObject(line.value)) continue;
    const v = line.value;
    if (Array.isArray(v.calls)) return 'tollgate';
    if (Array.isArray(v.tool_calls) && 'episode_id' in v) return 'agentdojo';
    if (Array.isArray(v.messages)) return 'openai-chat';
  }
  return undefined;
}

/** Turns one parsed line into an episode, in the given format. */
export function importEpisode(
  format: TraceFormat,
  value: unknown,
  line: number,
  transcripts?: TranscriptIndex,
): Parsed<TraceEpisode> {
  switch (format) {
    case 'tollgate':
      return parseTraceEpisode(value);
    case 'agentdojo':
      return importAgentDojo(value, transcripts);
    case 'openai-chat':
      return importOpenAIChat(value, line);
  }
}
