import type { CallContext, GatedToolRunner, GateResult } from '@tollgate/core';
import { normalizeToolCall, toolOutputMessage } from './tool-calls.js';
import { type ToolOutputOptions, toolOutputContent } from './tool-output.js';
import type { AnyToolCall, ExecutedToolCalls, OpenAIApi, ToolCall } from './types.js';

/**
 * Runs calls through the runner concurrently, each with the model's call id as `context.callId`, and returns
 * their results in the calls' order. Never throws: `runner.call` turns every failure into a result.
 */
export function runCalls(runner: GatedToolRunner, calls: readonly ToolCall[], context: CallContext = {}) {
  return Promise.all(calls.map((c) => runner.call(c.name, c.arguments, { ...context, callId: c.callId })));
}

/** The facts a run's approvals are bound to besides the call: the tool round that asked (see `CallContext.bind`). */
export function roundBinding(round: number): { round: number } {
  return { round };
}

/**
 * Executes tool calls of either API (mixed shapes allowed) and returns outputs ready to append, in the
 * calls' order: a Chat call gets `{role: 'tool', tool_call_id, content}`, a Responses call gets
 * `{type: 'function_call_output', call_id, output}`. A call that did not run gets a structured denial.
 * Throws `TypeError` only for something that is not a function tool call at all.
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
  return { messages: toOutputs(normalized, results, options), results };
}

/** One output per call, in the API each call came from. */
export function toOutputs(
  calls: readonly { api: OpenAIApi; call: ToolCall }[],
  results: readonly GateResult[],
  options: ToolOutputOptions,
) {
  return calls.map(({ api, call }, i) => toolOutputMessage(api, call.callId, toolOutputContent(results[i]!, options)));
}
