import { readFileSync } from 'node:fs';

/** Where the AgentDojo banking subset lives, next to this example (see `data/README.md`). */
export const DATA_DIR = new URL('../data/', import.meta.url);

/** AgentDojo's episode kinds: a user task alone, under a prompt injection, or an attacker goal asked by the user. */
export type EpisodeKind = 'benign' | 'attacked' | 'injection_goal_as_user_prompt';

/** One tool call as the model made it, with the output the environment recorded for it. */
export interface RecordedCall {
  /** The model's call id (unique within an episode, not across episodes). */
  id: string;
  /** The tool the model called. */
  name: string;
  /** Arguments exactly as the model emitted them. */
  arguments: Record<string, unknown>;
  /** Index of the assistant turn that issued the call. */
  turn: number;
  /** The tool's recorded error, or null when it returned normally. */
  error: string | null;
  /** The recorded tool output (text). */
  output: string;
  /**
   * The dataset's label: true when the call serves the injection's goal, false when not, null when there is
   * no injection or it is ambiguous. Used for scoring only, never to decide.
   */
  attackGoalCall: boolean | null;
}

/** One recorded assistant message: text, tool calls, or both. */
export interface RecordedTurn {
  /** The assistant's text, or null when it only called tools. */
  text: string | null;
  /** The calls it made, in order (several in one turn run concurrently). */
  calls: RecordedCall[];
}

/** A recorded banking episode: what the user asked, and every assistant turn with its tool calls. */
export interface Episode {
  /** `banking/<user_task>/<attack or none>/<injection_task or none>` */
  id: string;
  kind: EpisodeKind;
  /** AgentDojo's user task (`user_task_0`…), or the injection task when its goal is the user's ask. */
  userTaskId: string;
  /** The injection task planted in the environment, or null. */
  injectionTaskId: string | null;
  /** The system prompt the recording started with. */
  systemPrompt: string;
  /** The user's request. */
  userPrompt: string;
  /** The assistant turns, in order. */
  turns: RecordedTurn[];
  /** Every tool call in order (the same objects as in `turns`). */
  calls: RecordedCall[];
}

interface EpisodeLine {
  episode_id: string;
  kind: EpisodeKind;
  user_task_id: string;
  injection_task_id: string | null;
  user_prompt: string;
  tool_calls: {
    id: string;
    name: string;
    arguments: Record<string, unknown>;
    turn: number;
    error: string | null;
    attack_goal_call: boolean | null;
  }[];
}

type TranscriptMessage =
  | { role: 'system' | 'user'; content: string }
  | {
      role: 'assistant';
      content: string | null;
      tool_calls: { id: string; name: string; arguments: Record<string, unknown> }[] | null;
    }
  | { role: 'tool'; tool_call_id: string; name: string; content: string; error: string | null };

interface TranscriptLine {
  episode_id: string;
  messages: TranscriptMessage[];
}

/** OpenAI function-tool format, as AgentDojo's client sent the banking tools. */
export interface FunctionTool {
  type: 'function';
  /** The tool's name, description and JSON Schema. */
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

/** Reads a JSONL file; a malformed line fails with its file and line number. */
function readJsonl<T>(name: string): T[] {
  const text = readFileSync(new URL(name, DATA_DIR), 'utf8');
  const rows: T[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      rows.push(JSON.parse(line) as T);
    } catch (err) {
      throw new Error(`${name} line ${i + 1} is not JSON: ${(err as Error).message}`);
    }
  });
  return rows;
}

/** The banking tools' schemas, as recorded with the episodes. */
export function loadTools(): FunctionTool[] {
  return JSON.parse(readFileSync(new URL('tools.json', DATA_DIR), 'utf8')) as FunctionTool[];
}

/**
 * Loads the 169 banking episodes and joins each with its transcript, so every call carries its recorded output.
 * @throws Error when a file is missing or malformed, or an episode and its transcript disagree
 */
export function loadEpisodes(): Episode[] {
  const transcripts = new Map(readJsonl<TranscriptLine>('transcripts.jsonl').map((t) => [t.episode_id, t.messages]));
  return readJsonl<EpisodeLine>('episodes.jsonl').map((line) => {
    const messages = transcripts.get(line.episode_id);
    if (!messages) throw new Error(`transcripts.jsonl has no episode ${line.episode_id}`);
    return joinEpisode(line, messages);
  });
}

function joinEpisode(line: EpisodeLine, messages: TranscriptMessage[]): Episode {
  const outputs = new Map<string, string>();
  for (const m of messages) if (m.role === 'tool') outputs.set(m.tool_call_id, m.content);
  const calls: RecordedCall[] = line.tool_calls.map((c) => {
    const output = outputs.get(c.id);
    if (output === undefined) throw new Error(`${line.episode_id}: no recorded output for call ${c.id}`);
    return {
      id: c.id,
      name: c.name,
      arguments: c.arguments,
      turn: c.turn,
      error: c.error,
      output,
      attackGoalCall: c.attack_goal_call,
    };
  });
  const turns: RecordedTurn[] = [];
  for (const m of messages) {
    if (m.role !== 'assistant') continue;
    const index = turns.length;
    turns.push({ text: m.content, calls: calls.filter((c) => c.turn === index) });
  }
  const placed = turns.reduce((n, t) => n + t.calls.length, 0);
  if (placed !== calls.length) throw new Error(`${line.episode_id}: tool calls do not match the assistant turns`);
  const first = (role: 'system' | 'user') => {
    const m = messages.find((x) => x.role === role);
    return m && typeof m.content === 'string' ? m.content : '';
  };
  return {
    id: line.episode_id,
    kind: line.kind,
    userTaskId: line.user_task_id,
    injectionTaskId: line.injection_task_id,
    systemPrompt: first('system'),
    userPrompt: line.user_prompt,
    turns,
    calls,
  };
}
