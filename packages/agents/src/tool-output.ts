import { applyToolOutputStage, type GateResult, type ToolOutputTransform } from '@tollgate/core';

/** What the model reads for a call that did not run: why, and what it can do. */
export interface ToolDenial {
  status: 'blocked' | 'approval_required' | 'tool_error';
  /** The runner's stable reason code (`rate_limited`, `approval_denied`, `approval_args_changed`…). */
  reason: string;
  /** For the model. */
  message: string;
  /** When a retry could succeed (ms). */
  retry_after_ms?: number;
  /** The approval the call waits for. */
  approval_id?: string;
}

/**
 * The text the model reads for a call: an executed handler's result (a string as is, anything else as JSON), or a
 * {@link ToolDenial} as JSON, so a blocked call is an output the model can act on and the run goes on (as
 * `@tollgate/openai` words it). Then the output stage, fail-closed (`applyToolOutputStage`).
 */
export function modelOutput(result: GateResult, stage: readonly ToolOutputTransform[] = []): string | Promise<string> {
  const text = result.status === 'executed' ? executedText(result.result) : JSON.stringify(denialOf(result));
  if (stage.length === 0) return text;
  return applyToolOutputStage(text, { tool: result.tool, callId: result.callId, status: result.status }, stage);
}

/** The denial of a call that did not run. */
export function denialOf(result: GateResult): ToolDenial {
  const denial: ToolDenial = {
    status: result.status === 'tool_error' || result.status === 'approval_required' ? result.status : 'blocked',
    reason: result.reason,
    message: result.message,
  };
  if (result.retryAfterMs !== undefined) denial.retry_after_ms = result.retryAfterMs;
  if (result.approval) denial.approval_id = result.approval.id;
  return denial;
}

function executedText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // A result with no JSON form (a BigInt, a cycle) still reaches the model as text.
    return String(value);
  }
}
