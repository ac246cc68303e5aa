import type { CallContext, GatedToolRunner, GateResult, Json, ProvenanceRecorder } from '@tollgate/core';
import { conversationDigest, recordOutputs } from './provenance.js';
import { normalizeToolCall, toolOutputMessage } from './tool-calls.js';
import { modelOutput, type ToolOutputOptions } from './tool-output.js';
import type { AnyToolCall, Conversation, ExecutedToolCalls, OpenAIApi, ToolCall } from './types.js';

/**
 * Runs calls through the runner concurrently, each with the model's call id as `context.callId`, and returns
 * their results in the calls' order. Never throws: `runner.call` turns every failure into a result.
 */
export function runCalls(runner: GatedToolRunner, calls: readonly ToolCall[], context: CallContext = {}) {
  return Promise.all(calls.map((c) => runner.call(c.name, c.arguments, { ...context, callId: c.callId })));
}

/**
 * The facts a run's approvals are bound to besides the call (see `CallContext.bind`): the tool round that asked, and
 * a digest of the conversation up to that round's model turn, so a saved state can neither buy more rounds nor edit
 * the messages its resumed run's provenance is rebuilt from.
 */
export function roundBinding(round: number, conversation: Conversation): Record<string, Json> {
  return { round, conversation: conversationDigest(conversation) };
}

/**
 * Executes tool calls of either API (mixed shapes allowed) and returns outputs ready to append, in the
 * calls' order: a Chat call gets `{role: 'tool', tool_call_id, content}`, a Responses call gets
 * `{type: 'function_call_output', call_id, output}`. A call that did not run gets a structured denial.
 * The outputs pass the output stage (`options.outputStage`), and are recorded into `context.provenance` when that
 * is a recorder (append them to the conversation as returned). Throws `TypeError` only for something that is not a
 * function tool call at all.
 */
export async function executeToolCalls(
  runner: GatedToolRunner,
  toolCalls: readonly AnyToolCall[],
  context: CallContext = {},
  options: ToolOutputOptions = {},
): Promise<ExecutedToolCalls> {
  const normalized = toolCalls.map(normalizeToolCall);
  const results = await runCalls(
    runner,
    normalized.map((n) => n.call),
    context,
  );
  const messages = await toOutputs(normalized, results, options);
  const recorder = context.provenance as Partial<ProvenanceRecorder> | undefined;
  if (typeof recorder?.record === 'function') {
    recordOutputs(
      recorder as ProvenanceRecorder,
      messages,
      new Map(normalized.map(({ call }) => [call.callId, call.name])),
    );
  }
  return { messages, results };
}

/** One output per call, in the API each call came from, after the output stage. */
export function toOutputs(
  calls: readonly { api: OpenAIApi; call: ToolCall }[],
  results: readonly GateResult[],
  options: ToolOutputOptions,
) {
  return Promise.all(
    calls.map(async ({ api, call }, i) =>
      toolOutputMessage(api, call.callId, await modelOutput(results[i]!, call.name, options)),
    ),
  );
}
