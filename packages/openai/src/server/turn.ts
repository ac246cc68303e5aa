import { randomBytes } from 'node:crypto';
import type { ScriptedToolCall } from './types.js';

/** A turn with its ids and arguments fixed, ready to render in either API's format. */
export interface RenderedTurn {
  text: string | undefined;
  toolCalls: { callId: string; name: string; arguments: string }[];
  usage: { input: number; output: number };
}

/** An id in OpenAI's style: a prefix and random hex. */
export function newId(prefix: string): string {
  return `${prefix}${randomBytes(12).toString('hex')}`;
}

/** About four characters per token, the rule of thumb OpenAI documents for English text. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Fixes ids and argument strings, and estimates usage from the request body and the output. */
export function renderTurn(
  text: string | undefined,
  calls: readonly ScriptedToolCall[],
  requestBody: unknown,
): RenderedTurn {
  const toolCalls = calls.map((c) => ({
    callId: c.callId ?? newId('call_'),
    name: c.name,
    arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
  }));
  const produced = (text ?? '') + toolCalls.map((c) => c.name + c.arguments).join('');
  return {
    text,
    toolCalls,
    usage: { input: estimateTokens(JSON.stringify(requestBody)), output: produced ? estimateTokens(produced) : 0 },
  };
}

/** Splits text into word-sized deltas (each keeps its leading space), as models stream it. */
export function textDeltas(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [text];
}

/** Splits a string in two halves, so argument deltas have to be joined like a real stream's. */
export function halves(s: string): string[] {
  if (s.length < 2) return [s];
  const mid = Math.floor(s.length / 2);
  return [s.slice(0, mid), s.slice(mid)];
}
