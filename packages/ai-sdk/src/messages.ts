import { sha256Canonical } from '@tollgate/core';
import type { ModelMessage, ToolModelMessage } from 'ai';

/** A tool-approval response: the SDK's approval id, and what the client answered. */
export interface ApprovalAnswer {
  approvalId: string;
  approved: boolean;
  reason?: string;
}

/**
 * The approval responses of a request, read the way the AI SDK reads them (`collectToolApprovals` in `ai` 6): only
 * when the last message is a tool message, each response joined to its request by `approvalId`, and each request
 * naming a tool call. Returns tool call id → its response.
 */
export function approvalResponses(messages: readonly ModelMessage[]): Map<string, ApprovalAnswer> {
  const out = new Map<string, ApprovalAnswer>();
  const last = messages.at(-1);
  if (last?.role !== 'tool') return out;
  const requests = new Map<string, string>();
  for (const message of messages) {
    if (message.role !== 'assistant' || typeof message.content === 'string') continue;
    for (const part of message.content) {
      if (part.type === 'tool-approval-request') requests.set(part.approvalId, part.toolCallId);
    }
  }
  for (const part of (last as ToolModelMessage).content) {
    if (part.type !== 'tool-approval-response') continue;
    const callId = requests.get(part.approvalId);
    if (callId === undefined || out.has(callId)) continue;
    const answer: ApprovalAnswer = { approvalId: part.approvalId, approved: part.approved };
    if (part.reason !== undefined) answer.reason = part.reason;
    out.set(callId, answer);
  }
  return out;
}

/** The messages before the assistant message that made tool call `callId` (all of them when none did). */
export function messagesBefore(messages: readonly ModelMessage[], callId: string): readonly ModelMessage[] {
  const at = messages.findIndex(
    (m) =>
      m.role === 'assistant' &&
      typeof m.content !== 'string' &&
      m.content.some((part) => part.type === 'tool-call' && part.toolCallId === callId),
  );
  return at === -1 ? messages : messages.slice(0, at);
}

/**
 * A digest of what the model had read when it made a call (the provenance entries of the messages before it), bound
 * to the call's approval: a resume whose history was edited (a tool output turned into a user message) is refused.
 */
export function historyDigest(entries: readonly unknown[]): string {
  return sha256Canonical(entries);
}
