import type { BaseMessage, ToolCall } from '@langchain/core/messages';
import {
  applyToolOutputStage,
  type GateResult,
  type GateStatus,
  type ProvenanceRecorder,
  type ToolOutputTransform,
} from '@tollgate/core';
import { ToolMessage } from 'langchain';

/**
 * What tollgate decided about a call, in the `artifact.tollgate` of each `ToolMessage` the middleware writes for a
 * call that did not simply run (the model never sees artifacts). A pending one (`approval_required`) is what the
 * middleware interrupts the run for.
 */
export interface TollgateOutcome {
  status: GateStatus;
  /** Stable reason code (`policy_denied`, `approval_required`, `approval_consumed`…). */
  reason: string;
  /** The gate (or `validation`, `registry`, `approval`) that stopped the call. */
  blockedBy?: string;
  /** The model's tool call id. */
  callId: string;
  /** The result's event id, to find its audit record. */
  eventId: string;
  /** For `approval_required`: the approval the call waits for (`apr_…`), and when it expires (ms since the epoch). */
  approvalId?: string;
  expiresAt?: number;
  /** For `approval_required`: why, as the asking gate put it. */
  message?: string;
}

/** The JSON a model reads for a call that did not run, as `@tollgate/openai` words it. */
export interface ToolDenial {
  status: 'blocked' | 'approval_required' | 'tool_error';
  reason: string;
  message: string;
  retry_after_ms?: number;
}

/**
 * The tool node's answer for a call's result: an executed call's own `ToolMessage` (or `Command`) from the tool, any
 * other outcome a `ToolMessage` with `status: 'error'`, a {@link ToolDenial} the model can act on, and the
 * {@link TollgateOutcome} as its artifact. `id` keeps the message id (a resumed call replaces its placeholder).
 */
export function toolMessageOf(result: GateResult, call: ToolCall, id?: string): ToolMessage {
  const callId = call.id ?? result.callId;
  if (result.status === 'executed' || result.status === 'allowed') {
    const output = result.result;
    if (ToolMessage.isInstance(output)) {
      if (id !== undefined) output.id = id;
      // Only the middleware speaks for tollgate: a tool's artifact cannot pose as a pending approval.
      const artifact = output.artifact as Record<string, unknown> | undefined;
      if (artifact && typeof artifact === 'object' && 'tollgate' in artifact) {
        const { tollgate: _claimed, ...rest } = artifact;
        output.artifact = rest;
      }
      return output;
    }
    return new ToolMessage({
      content: typeof output === 'string' ? output : (JSON.stringify(output) ?? ''),
      tool_call_id: callId,
      name: call.name,
      ...(id === undefined ? {} : { id }),
    });
  }
  const denial: ToolDenial = { status: result.status, reason: result.reason, message: result.message };
  if (result.retryAfterMs !== undefined) denial.retry_after_ms = result.retryAfterMs;
  const outcome: TollgateOutcome = {
    status: result.status,
    reason: result.reason,
    callId,
    eventId: result.eventId,
  };
  if (result.blockedBy !== undefined) outcome.blockedBy = result.blockedBy;
  if (result.approval) {
    outcome.approvalId = result.approval.id;
    outcome.expiresAt = result.approval.expiresAt;
    outcome.message = result.message;
  }
  return denialMessage(call, JSON.stringify(denial), outcome, id);
}

/** A denial worded by the adapter itself, for a decision that does not fit its approval (nothing ran). */
export function adapterDenial(call: ToolCall, reason: string, message: string, id?: string): ToolMessage {
  const denial: ToolDenial = { status: 'blocked', reason, message };
  const outcome: TollgateOutcome = {
    status: 'blocked',
    reason,
    blockedBy: 'langchain',
    callId: call.id ?? '',
    eventId: '',
  };
  return denialMessage(call, JSON.stringify(denial), outcome, id);
}

function denialMessage(call: ToolCall, content: string, outcome: TollgateOutcome, id: string | undefined): ToolMessage {
  return new ToolMessage({
    content,
    tool_call_id: call.id ?? outcome.callId,
    name: call.name,
    status: 'error',
    artifact: { tollgate: outcome },
    ...(id === undefined ? {} : { id }),
  });
}

/** The outcome the middleware wrote into a tool message, if it wrote one. */
export function outcomeOf(message: BaseMessage): TollgateOutcome | undefined {
  if (!ToolMessage.isInstance(message)) return undefined;
  const outcome = (message.artifact as { tollgate?: TollgateOutcome } | undefined)?.tollgate;
  return typeof outcome === 'object' && outcome !== null && typeof outcome.status === 'string' ? outcome : undefined;
}

/**
 * Records what the model has read in a run's messages: system and user messages, and every tool message (named by its
 * call; tollgate's own denials too, so nothing a tool writes can hide from provenance), not the model's turns. Rebuilt from the agent's state for each call,
 * so what gates see is what the state holds.
 */
export function recordMessages(recorder: ProvenanceRecorder, messages: readonly BaseMessage[]): ProvenanceRecorder {
  for (const message of messages) {
    const type = message.getType();
    if (type === 'human') recorder.record({ origin: 'user' }, textOf(message));
    else if (type === 'system') recorder.record({ origin: 'system' }, textOf(message));
    else if (ToolMessage.isInstance(message)) {
      recorder.record(
        { origin: 'tool', tool: message.name ?? 'unknown', callId: message.tool_call_id },
        textOf(message),
      );
    }
  }
  return recorder;
}

/** A message's text: a string as is, text parts joined (images and files carry no text to match). */
function textOf(message: BaseMessage): unknown {
  const content = message.content as unknown;
  if (!Array.isArray(content)) return content;
  return content
    .map((part: { type?: string; text?: unknown }) => (typeof part?.text === 'string' ? part.text : ''))
    .filter((text) => text !== '')
    .join('\n');
}

/**
 * The output stage on a tool message the model is about to read: each transform in order on its text (every text part
 * of a multi-part content), fail-closed as core's `applyToolOutputStage` (a failing transform withholds the text).
 */
export async function applyOutputStage(
  message: ToolMessage,
  status: GateStatus,
  transforms: readonly ToolOutputTransform[] | undefined,
): Promise<ToolMessage> {
  if (!transforms?.length) return message;
  const info = { tool: message.name ?? 'unknown', callId: message.tool_call_id, status };
  const content = message.content as unknown;
  if (typeof content === 'string') {
    message.content = await applyToolOutputStage(content, info, transforms);
  } else if (Array.isArray(content)) {
    const parts = await Promise.all(
      content.map(async (part: { type?: string; text?: unknown }) =>
        typeof part?.text === 'string'
          ? { ...part, text: await applyToolOutputStage(part.text, info, transforms) }
          : part,
      ),
    );
    message.content = parts as ToolMessage['content'];
  }
  return message;
}
