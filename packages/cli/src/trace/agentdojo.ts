import { parse as parseYaml } from 'yaml';
import { fail, idOf, isObject, type Parsed, type TraceCall, type TraceEpisode } from './format.js';
import type { JsonlLine } from './jsonl.js';
import { type RecordedOutput, toolOutputs } from './openai-chat.js';
import { transcriptCalls, transcriptProvenance } from './provenance.js';

/** What an AgentDojo transcript gives an episode: its tool outputs by call id, and its messages. */
export interface Transcript {
  outputs: Map<string, RecordedOutput>;
  messages: readonly unknown[];
}

/** AgentDojo transcripts by episode id. */
export type TranscriptIndex = Map<string, Transcript>;

/**
 * Indexes AgentDojo's `transcripts.jsonl` (`{episode_id, messages}` per line) so an episode's calls get the
 * outputs the real tools returned. Lines that are not transcripts are returned as problems, not thrown.
 */
export function indexTranscripts(lines: readonly JsonlLine[]): { index: TranscriptIndex; problems: JsonlLine[] } {
  const index: TranscriptIndex = new Map();
  const problems: JsonlLine[] = [];
  for (const line of lines) {
    if (!line.ok) {
      problems.push(line);
      continue;
    }
    const v = line.value;
    const id = isObject(v) ? idOf(v.episode_id) : undefined;
    if (!isObject(v) || id === undefined || !Array.isArray(v.messages)) {
      problems.push({ line: line.line, ok: false, message: 'expected a transcript with `episode_id` and `messages`' });
      continue;
    }
    index.set(id, { outputs: toolOutputs(v.messages), messages: v.messages });
  }
  return { index, problems };
}

/**
 * Imports one line of AgentDojo's `episodes.jsonl` (MIT, github.com/ethz-spylab/agentdojo, as re-formatted in
 * its README): `tool_calls[i].attack_goal_call` becomes `label.attack` (null stays unlabelled; any other
 * non-boolean refuses the line), the recorded `error` (a string or null) is kept, and the output comes from the transcripts when given. Labels: suite, kind, user_task,
 * injection_task, attack_succeeded (AgentDojo's `security`).
 */
export function importAgentDojo(value: unknown, transcripts?: TranscriptIndex): Parsed<TraceEpisode> {
  if (!isObject(value)) return fail('an episode must be a JSON object');
  const id = idOf(value.episode_id);
  if (id === undefined) return fail('`episode_id` must be a non-empty string');
  if (!Array.isArray(value.tool_calls)) return fail('`tool_calls` must be an array');
  const transcript = transcripts?.get(id);
  const outputs = transcript?.outputs;
  const calls: TraceCall[] = [];
  for (const [i, raw] of value.tool_calls.entries()) {
    if (!isObject(raw)) return fail(`tool_calls[${i}] must be an object`);
    const callId = idOf(raw.id);
    if (callId === undefined) return fail(`tool_calls[${i}].id must be a non-empty string`);
    if (typeof raw.name !== 'string' || raw.name === '')
      return fail(`tool_calls[${i}].name must be a non-empty string`);
    const args = raw.arguments ?? {};
    if (typeof args !== 'string' && !isObject(args)) {
      return fail(`tool_calls[${i}].arguments must be a JSON string or an object`);
    }
    // Refused rather than read as unlabelled: a mislabelled attack would vanish from the attack figures.
    if (raw.attack_goal_call != null && typeof raw.attack_goal_call !== 'boolean') {
      return fail(`tool_calls[${i}].attack_goal_call must be true, false or null`);
    }
    if (raw.error != null && typeof raw.error !== 'string')
      return fail(`tool_calls[${i}].error must be a string or null`);
    const call: TraceCall = { id: callId, tool: raw.name, arguments: args };
    const recorded = outputs?.get(callId);
    if (recorded) call.output = recorded.output;
    const error = typeof raw.error === 'string' && raw.error !== '' ? raw.error : recorded?.error;
    if (error) call.error = error;
    if (typeof raw.attack_goal_call === 'boolean') call.label = { attack: raw.attack_goal_call };
    calls.push(call);
  }
  const episode: TraceEpisode = {
    id,
    context: { session: id },
    labels: {
      suite: scalar(value.suite),
      kind: scalar(value.kind),
      user_task: scalar(value.user_task_id),
      injection_task: scalar(value.injection_task_id),
      attack_succeeded: typeof value.security === 'boolean' ? value.security : null,
    },
    calls,
  };
  const provenance = agentdojoProvenance(value, transcript, calls.length);
  if (!provenance.ok) return provenance;
  episode.provenance = provenance.value;
  return { ok: true, value: episode };
}

/**
 * What the model read before each call: with a transcript, its system and user messages and every earlier tool
 * output (AgentDojo's structured results as fields, see {@link dumpedStructure}); without one, the episode's
 * `user_prompt`. A transcript whose calls do not line up with the episode's refuses the line.
 */
function agentdojoProvenance(
  value: Record<string, unknown>,
  transcript: Transcript | undefined,
  calls: number,
): Parsed<NonNullable<TraceEpisode['provenance']>> {
  if (!transcript) {
    const prompt = value.user_prompt;
    return {
      ok: true,
      value: typeof prompt === 'string' ? [{ before: 0, source: { origin: 'user' }, content: prompt }] : [],
    };
  }
  const made = transcriptCalls(transcript.messages);
  if (made !== calls) return fail(`the transcript makes ${made} tool calls, the episode ${calls}`);
  return { ok: true, value: transcriptProvenance(transcript.messages, dumpedStructure) };
}

/**
 * AgentDojo shows a tool's structured result (a model or a list) to the model as a PyYAML block dump, keys sorted,
 * and a string result as it is. A text is read back as fields only when it has that form: a block sequence, or a
 * block mapping of two or more sorted snake_case keys; or a Python dict's repr (`{'message': …}`). Anything else (a
 * file, a web page, even one that looks like `Key: value`) stays text, so its content never counts as a field.
 */
export function dumpedStructure(text: unknown): unknown {
  if (typeof text !== 'string') return text;
  const t = text.trim();
  const sequence = t.startsWith('- ');
  const mapping = /^[a-z_][a-z0-9_]*:(?: |\n)/.test(t);
  const repr = t.startsWith("{'");
  if (!sequence && !mapping && !repr) return text;
  let parsed: unknown;
  try {
    parsed = parseYaml(t);
  } catch {
    return text;
  }
  if (typeof parsed !== 'object' || parsed === null) return text;
  if (mapping && !(Array.isArray(parsed) || (Object.keys(parsed).length >= 2 && sortedKeys(parsed)))) return text;
  return parsed;
}

/** True when every mapping in a value lists its keys in order, as PyYAML's `safe_dump` writes them. */
function sortedKeys(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(sortedKeys);
  if (!isObject(value)) return true;
  const keys = Object.keys(value);
  return keys.every((k, i) => i === 0 || keys[i - 1]! <= k) && keys.every((k) => sortedKeys(value[k]));
}

function scalar(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
