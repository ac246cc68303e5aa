import { errorText } from './errors.js';
import { applyToolOutputStage, type ToolOutputTransform } from './provenance.js';
import type { GateResult, GateStatus } from './result.js';

/** What the model reads for a call that did not run (or did not finish), as JSON. */
export interface ToolDenial {
  /** `blocked`, `approval_required` or `tool_error` (a dry run's `allowed` is reported as `blocked`). */
  status: Exclude<GateStatus, 'executed' | 'allowed'>;
  /** The result's stable reason code. */
  reason: string;
  /** What the model can do next (or the adapter's `denyMessage` for gate blocks). */
  message: string;
  /** When retrying could succeed, in ms from now. */
  retry_after_ms?: number;
  /** Only with `exposeDecisionData`: every gate's decision, with its data (risk scores, raw decisions). */
  decisions?: { gate: string; outcome: string; reason: string; data?: Record<string, unknown> }[];
}

/** How outcomes are worded for the model; every adapter takes these options. */
export interface ToolOutputOptions {
  /**
   * Replaces the message of calls a gate blocked (not validation or unknown-tool blocks, whose messages say
   * how to fix the call). A function gets the result and can word each case; if it throws or returns no
   * string, the gate's own message is sent instead, so a bad template never breaks the loop.
   */
  denyMessage?: string | ((result: GateResult) => string);
  /** Sends every gate decision, with its data (risk scores, raw decisions), to the model (default false); data with no JSON form (a BigInt, a cycle) is left out. */
  exposeDecisionData?: boolean;
  /**
   * The tool-output stage, off by default: transforms applied in order to each output before the model reads it,
   * e.g. `[stripInvisible(), spotlight({ mode: 'datamark' }), detect(myClassifier)]` from `@tollgate/provenance`.
   * A transform that throws withholds that output (fail-closed). What the stage returns is what provenance records.
   */
  outputStage?: readonly ToolOutputTransform[];
}

const FIX_YOURSELF = new Set(['validation', 'registry']);

/**
 * The denial the model reads for a call that did not run: status, reason, message (and `retry_after_ms`, and with
 * `exposeDecisionData` every decision). Always has a JSON form: decision data without one is left out.
 * actiongate-openai and kitelogik return a blocked tool message in the same spirit, so the loop goes on.
 */
export function toolDenial(result: GateResult, options: ToolOutputOptions = {}): ToolDenial {
  const denial: ToolDenial = {
    status: result.status === 'allowed' || result.status === 'executed' ? 'blocked' : result.status,
    reason: result.reason,
    message: denialMessage(result, options.denyMessage),
  };
  if (result.retryAfterMs !== undefined) denial.retry_after_ms = result.retryAfterMs;
  if (options.exposeDecisionData) {
    denial.decisions = result.decisions.map((d) => ({
      gate: d.gate,
      outcome: d.outcome,
      reason: d.reason,
      ...(d.data ? { data: d.data } : {}),
    }));
    try {
      JSON.stringify(denial);
    } catch {
      // A gate's data with no JSON form (a BigInt, a cycle) must not throw out of the loop: send the rest.
      denial.decisions = denial.decisions.map(({ data: _data, ...decision }) => decision);
    }
  }
  return denial;
}

/**
 * The text the model reads for a call. An executed call's handler result: a string as-is, anything else as
 * JSON. Any other outcome: its {@link toolDenial} as JSON, so the model sees why and what it can do.
 */
export function toolOutputContent(result: GateResult, options: ToolOutputOptions = {}): string {
  if (result.status === 'executed') return executedContent(result);
  return JSON.stringify(toolDenial(result, options));
}

/** {@link toolOutputContent} after the output stage: the text the model reads for a call, ready to append. */
export function modelOutput(
  result: GateResult,
  tool: string,
  options: ToolOutputOptions = {},
): Promise<string> | string {
  const text = toolOutputContent(result, options);
  if (!options.outputStage?.length) return text;
  return applyToolOutputStage(text, { tool, callId: result.callId, status: result.status }, options.outputStage);
}

function denialMessage(result: GateResult, denyMessage: ToolOutputOptions['denyMessage']): string {
  if (denyMessage === undefined || result.status !== 'blocked' || FIX_YOURSELF.has(result.blockedBy ?? '')) {
    return result.message;
  }
  if (typeof denyMessage !== 'function') return denyMessage;
  try {
    const text = denyMessage(result);
    return typeof text === 'string' ? text : result.message;
  } catch {
    // The application's wording failed: the gate's own message still tells the model what it can do.
    return result.message;
  }
}

function executedContent(result: GateResult): string {
  const value = result.result;
  if (typeof value === 'string') return value;
  try {
    // undefined (and functions) have no JSON text: the model still learns the call ran.
    return JSON.stringify(value) ?? JSON.stringify({ status: 'executed' });
  } catch (err) {
    // A toJSON may throw anything, undefined included: describing it must not throw out of the adapter.
    return JSON.stringify({
      status: 'executed',
      message: `The tool ran, but its result has no JSON form (${errorText(err)}).`,
    });
  }
}
