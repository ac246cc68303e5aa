import { createHash } from 'node:crypto';
import type { ProvenanceRecorder, ProvenanceSource } from '@tollgate/core';
import type { Conversation, RequestParams, ToolOutputMessage } from './types.js';

/** Makes a fresh provenance recorder for each run (`() => new ProvenanceLog()` from `@tollgate/provenance`). */
export type ProvenanceFactory = () => ProvenanceRecorder;

type Item = Record<string, unknown>;

/**
 * Records what the model reads in a conversation: system, developer and user messages, and every tool output (named
 * by the call that asked for it). The model's own turns are not sources. Used when a run starts and when a paused run
 * resumes, so a resumed run's provenance is rebuilt from its messages, never read from the run state.
 */
export function recordConversation(
  recorder: ProvenanceRecorder,
  conversation: Conversation,
  request: RequestParams,
): void {
  // Responses: `instructions` is the system message of every request.
  if (conversation.api === 'responses' && typeof request.instructions === 'string') {
    recorder.record({ origin: 'system' }, request.instructions);
  }
  const names = new Map<string, string>();
  for (const item of itemsOf(conversation)) {
    for (const [callId, name] of callsIn(item)) names.set(callId, name);
    const source = sourceOf(item, names);
    if (source) recorder.record(source, contentOf(item));
  }
}

/** Records tool outputs as they are appended; `names` gives each call id's tool. */
export function recordOutputs(
  recorder: ProvenanceRecorder,
  outputs: readonly ToolOutputMessage[],
  names: ReadonlyMap<string, string>,
): void {
  for (const output of outputs) {
    const source = sourceOf(output as unknown as Item, names);
    if (source) recorder.record(source, contentOf(output as unknown as Item));
  }
}

/** Every tool call the conversation's model turns made: call id → tool name. */
export function toolNames(conversation: Conversation): Map<string, string> {
  return new Map(itemsOf(conversation).flatMap(callsIn));
}

function itemsOf(conversation: Conversation): Item[] {
  const items = (conversation.api === 'chat' ? conversation.messages : conversation.input) as unknown as Item[];
  return items.filter((item) => item !== null && typeof item === 'object');
}

/** The tool calls an assistant message or a Responses `function_call` item makes: call id → tool name. */
function callsIn(item: Item): [string, string][] {
  if (item.type === 'function_call' && typeof item.call_id === 'string' && typeof item.name === 'string') {
    return [[item.call_id, item.name]];
  }
  if (item.role !== 'assistant' || !Array.isArray(item.tool_calls)) return [];
  return (item.tool_calls as Item[]).flatMap((c) => {
    const fn = c?.function as Item | undefined;
    return typeof c?.id === 'string' && typeof fn?.name === 'string' ? [[c.id, fn.name] as [string, string]] : [];
  });
}

function sourceOf(item: Item, names: ReadonlyMap<string, string>): ProvenanceSource | undefined {
  if (item.role === 'tool' && typeof item.tool_call_id === 'string') {
    return { origin: 'tool', tool: names.get(item.tool_call_id) ?? 'unknown', callId: item.tool_call_id };
  }
  if (item.type === 'function_call_output' && typeof item.call_id === 'string') {
    return { origin: 'tool', tool: names.get(item.call_id) ?? 'unknown', callId: item.call_id };
  }
  if (item.type !== undefined && item.type !== 'message') return undefined;
  if (item.role === 'user' || item.role === 'system' || item.role === 'developer') return { origin: item.role };
  return undefined;
}

/** A message's text: a string as is, text parts joined (images and files carry no text to match). */
function contentOf(item: Item): unknown {
  const content = item.type === 'function_call_output' ? item.output : item.content;
  if (!Array.isArray(content)) return content;
  return (content as Item[])
    .map((part) => (typeof part?.text === 'string' ? part.text : ''))
    .filter((text) => text !== '')
    .join('\n');
}

/**
 * A digest of the conversation, bound to a round's approvals: a run state whose messages were edited (a tool output
 * turned into a user message) cannot resume, so the provenance rebuilt from them is the one the approvals vouch for.
 */
export function conversationDigest(conversation: Conversation): string {
  const items = conversation.api === 'chat' ? conversation.messages : conversation.input;
  return createHash('sha256').update(JSON.stringify(items)).digest('base64url');
}
