import { fail, idOf, isObject, type Parsed, type TraceCall, type TraceEpisode } from './format.js';
import type { JsonlLine } from './jsonl.js';
import { type RecordedOutput, toolOutputs } from './openai-chat.js';

/** Recorded tool outputs of AgentDojo transcripts: episode id, then tool call id. */
export type TranscriptIndex = Map<string, Map<string, RecordedOutput>>;

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
    index.set(id, toolOutputs(v.messages));
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
  const outputs = transcripts?.get(id);
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
  return {
    ok: true,
    value: {
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
    },
  };
}

function scalar(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
