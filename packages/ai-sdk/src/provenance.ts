import type { ProvenanceRecorder, ProvenanceSource } from '@tollgate/core';
import type { ModelMessage, ToolResultPart } from 'ai';

/** Makes a fresh provenance recorder (`() => new ProvenanceLog()` from `@tollgate/provenance`). */
export type ProvenanceFactory = () => ProvenanceRecorder;

/** One piece of content the model read, and who wrote it. */
export type ProvenanceEntry = [source: ProvenanceSource, content: unknown];

/**
 * What the model reads in AI SDK messages, in order: the system prompt, system and user messages, and every tool
 * result (named by its tool and call id), each as the text or JSON value the provider sends. The model's own turns
 * are not sources. The same reading as `@tollgate/openai`'s `recordConversation`, for `ModelMessage`s.
 */
export function provenanceEntries(messages: readonly ModelMessage[], system?: string): ProvenanceEntry[] {
  const out: ProvenanceEntry[] = system === undefined ? [] : [[{ origin: 'system' }, system]];
  for (const message of messages) {
    if (message.role === 'system') out.push([{ origin: 'system' }, message.content]);
    else if (message.role === 'user') out.push([{ origin: 'user' }, textOf(message.content)]);
    else if (message.role === 'tool') {
      for (const part of message.content) {
        if (part.type !== 'tool-result') continue;
        out.push([{ origin: 'tool', tool: part.toolName, callId: part.toolCallId }, outputOf(part.output)]);
      }
    }
  }
  return out;
}

/** A recorder holding `entries`. */
export function recorderOf(factory: ProvenanceFactory, entries: readonly ProvenanceEntry[]): ProvenanceRecorder {
  const recorder = factory();
  for (const [source, content] of entries) recorder.record(source, content);
  return recorder;
}

function textOf(content: unknown): unknown {
  if (!Array.isArray(content)) return content;
  return content
    .map((part: { type?: string; text?: unknown }) =>
      part?.type === 'text' && typeof part.text === 'string' ? part.text : '',
    )
    .filter((text) => text !== '')
    .join('\n');
}

/** A tool result's content as the provider sends it (`@ai-sdk/openai`: text as is, JSON as its value). */
function outputOf(output: ToolResultPart['output']): unknown {
  switch (output.type) {
    case 'text':
    case 'error-text':
    case 'json':
    case 'error-json':
      return output.value;
    case 'execution-denied':
      return output.reason ?? 'Tool call execution denied.';
    case 'content':
      return textOf(output.value);
    default:
      return undefined;
  }
}
