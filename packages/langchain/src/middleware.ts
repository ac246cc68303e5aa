import type { BaseMessage, ToolCall } from '@langchain/core/messages';
import { interrupt, isCommand } from '@langchain/langgraph';
import {
  type ApprovalRecord,
  approvalDigest,
  type CallContext,
  callerOf,
  type GatedToolRunner,
  type Json,
  type ProvenanceRecorder,
  parseArguments,
  type ToolOutputTransform,
} from '@tollgate/core';
import { AIMessage, createMiddleware, type DecisionType, type Runtime, ToolMessage } from 'langchain';
import {
  parseResume,
  ResumeDecisionError,
  type TollgateActionRequest,
  type TollgateDecision,
  type TollgateInterrupt,
} from './decisions.js';
import { withToolNode } from './execution.js';
import { adapterDenial, applyOutputStage, outcomeOf, recordMessages, toolMessageOf } from './messages.js';

/** Options for {@link tollgateMiddleware}. */
export interface TollgateMiddlewareOptions {
  /** The runner every tool call goes through; register the agent's tools into it with `registerTools`. */
  runner: GatedToolRunner;
  /**
   * Who calls, from the run's runtime (`runtime.context` is what `agent.invoke(input, { context })` passed): actor,
   * tenant, session, scopes, roles, metadata. Default: nobody in particular. The middleware sets `callId` (the
   * model's), `bind` (the thread) and `provenance` itself.
   */
  context?: (runtime: Runtime<unknown>) => CallContext;
  /** Makes a provenance recorder (`() => new ProvenanceLog()` from `@tollgate/provenance`); absent: none. */
  provenance?: () => ProvenanceRecorder;
  /** The decisions a reviewer may take on a pending call (default approve, edit, reject). */
  allowedDecisions?: readonly DecisionType[];
  /** Who decided, for a decision that does not say (`by`); without either a resume is refused. */
  approver?: string;
  /**
   * The tool-output stage, off by default: transforms applied in order to the text of every tool message the model
   * will read, e.g. `[stripInvisible(), spotlight({ mode: 'datamark' })]` from `@tollgate/provenance`. A transform
   * that throws withholds that output (fail-closed). What the stage returns is what the state, and so provenance, holds.
   */
  outputStage?: readonly ToolOutputTransform[];
  /** The middleware's name (default `TollgateMiddleware`), unique among an agent's middleware. */
  name?: string;
}

const ALL_DECISIONS: readonly DecisionType[] = ['approve', 'edit', 'reject'];

/** A pending call found in the state: its placeholder message, the model's call, and the approval it waits for. */
interface Pending {
  message: ToolMessage;
  call: ToolCall;
  approvalId: string;
}

/**
 * A `createAgent` middleware that runs every tool call through `runner.call()` (validation, rate, budget, rule,
 * decision, audit) before the tool runs. Blocked calls and tool errors become `ToolMessage`s with `status: 'error'`
 * whose content tells the model why (JSON `{status, reason, message}`); unregistered tools are blocked.
 *
 * A call that needs approval gets a placeholder `ToolMessage` naming its approval; before the model runs again the
 * middleware interrupts the run with a {@link TollgateInterrupt} (LangChain's `HITLRequest` shape; needs a
 * checkpointer). `agent.invoke(new Command({ resume: { decisions } }), config)` answers it (a value that does not
 * fit is asked for again, with the `problem` named in the next interrupt), and each decision is
 * checked against tollgate's store, never taken from the state: `approve` approves (when the stored approval is this
 * thread's call, with these arguments) and resumes it once, so a forged, replayed, expired or foreign approval is
 * refused by core; `reject` denies it; `edit` denies it and makes the edited call a new call through every gate
 * (the edited arguments get their own digest, and may be blocked or need approval again), which
 * `humanInTheLoopMiddleware`'s edit runs unchecked. Policy stays in the runner's gates.
 */
export function tollgateMiddleware(options: TollgateMiddlewareOptions) {
  const { runner } = options;
  const allowed = options.allowedDecisions ?? ALL_DECISIONS;

  const contextFor = (runtime: Runtime<unknown>, callId: string, messages: readonly BaseMessage[]): CallContext => {
    const context: CallContext = { ...options.context?.(runtime), callId, bind: threadBinding(runtime) };
    const recorder = options.provenance?.();
    if (recorder) context.provenance = recordMessages(recorder, messages);
    return context;
  };

  return createMiddleware({
    name: options.name ?? 'TollgateMiddleware',
    wrapToolCall: async (request, handler) => {
      const call = request.toolCall;
      const callId = call.id ?? '';
      const context = contextFor(request.runtime as Runtime<unknown>, callId, request.state.messages);
      const result = await withToolNode({ callId, request, handler }, () => runner.call(call.name, call.args, context));
      // A tool may answer with a Command (a state update); it passes through as the tool node would return it.
      if (result.status === 'executed' && isCommand(result.result)) return result.result;
      return applyOutputStage(toolMessageOf(result, call), result.status, options.outputStage);
    },
    beforeModel: {
      canJumpTo: ['tools'],
      hook: async (state, runtime) => {
        const pending = pendingCalls(state.messages);
        if (pending.length === 0) return undefined;
        const request: TollgateInterrupt = {
          actionRequests: pending.map(actionOf),
          reviewConfigs: pending.map((p) => ({ actionName: p.call.name, allowedDecisions: [...allowed] })),
        };
        const decisions = askUntilValid(request, allowed, options.approver);
        const ai = lastAiMessage(state.messages)!;
        const calls = new Map((ai.tool_calls ?? []).map((c) => [c.id, c]));
        const replacements: ToolMessage[] = [];
        for (const [i, p] of pending.entries()) {
          const context = contextFor(runtime as Runtime<unknown>, p.call.id ?? '', state.messages);
          const settled = await settle(runner, p, decisions[i]!, context);
          if (settled.call) calls.set(p.call.id, settled.call);
          const status = outcomeOf(settled.message)?.status ?? 'executed';
          replacements.push(await applyOutputStage(settled.message, status, options.outputStage));
        }
        const edited = pending.some((p) => calls.get(p.call.id) !== p.call);
        const messages = edited ? [withCalls(ai, [...calls.values()]), ...replacements] : replacements;
        // An edited call that needs approval again: round through the (idle) tool node, back here to interrupt again.
        return replacements.some((m) => outcomeOf(m)?.status === 'approval_required')
          ? { messages, jumpTo: 'tools' as const }
          : { messages };
      },
    },
  });
}

/**
 * Interrupts until the resume value fits: a malformed one is asked again with what was wrong (`problem`), never
 * thrown, because LangGraph keeps a resume value once given, so a throw would leave the thread stuck on it. Nothing is
 * decided before the value fits, so re-running this node on each resume repeats no side effect.
 */
function askUntilValid(
  request: TollgateInterrupt,
  allowed: readonly DecisionType[],
  approver: string | undefined,
): (TollgateDecision & { by: string })[] {
  for (let ask = request; ; ) {
    try {
      return parseResume(interrupt(ask), request.actionRequests, allowed, approver);
    } catch (err) {
      if (!(err instanceof ResumeDecisionError)) throw err;
      ask = { ...request, problem: err.message };
    }
  }
}

/** What a call's approval is bound to besides tool, call id, arguments and caller: the agent's thread. */
function threadBinding(runtime: Runtime<unknown>): Record<string, Json> {
  const thread = runtime.configurable?.thread_id;
  return { thread: typeof thread === 'string' ? thread : null };
}

/** The calls of the model's last turn that wait for an approval (their placeholders follow its AI message). */
function pendingCalls(messages: readonly BaseMessage[]): Pending[] {
  const ai = lastAiMessage(messages);
  if (!ai) return [];
  const calls = new Map((ai.tool_calls ?? []).map((c) => [c.id, c]));
  const pending: Pending[] = [];
  for (const message of messages.slice(messages.lastIndexOf(ai) + 1)) {
    const outcome = outcomeOf(message);
    const call = ToolMessage.isInstance(message) ? calls.get(message.tool_call_id) : undefined;
    if (outcome?.status === 'approval_required' && outcome.approvalId && call) {
      pending.push({ message: message as ToolMessage, call, approvalId: outcome.approvalId });
    }
  }
  return pending;
}

function lastAiMessage(messages: readonly BaseMessage[]): AIMessage | undefined {
  return messages.findLast((m): m is AIMessage => AIMessage.isInstance(m));
}

function actionOf(p: Pending): TollgateActionRequest {
  const outcome = outcomeOf(p.message)!;
  const why = outcome.message ?? 'This call needs a human approval before it can run.';
  return {
    name: p.call.name,
    args: p.call.args,
    description: `${why}\n\nTool: ${p.call.name}\nArgs: ${JSON.stringify(p.call.args, null, 2)}`,
    approvalId: p.approvalId,
    callId: p.call.id ?? '',
    reason: outcome.reason,
    expiresAt: outcome.expiresAt ?? 0,
  };
}

/** The AI message with its tool calls replaced (same id, so the state's copy is replaced, not appended). */
function withCalls(ai: AIMessage, toolCalls: ToolCall[]): AIMessage {
  return new AIMessage({
    id: ai.id,
    content: ai.content,
    name: ai.name,
    tool_calls: toolCalls,
    additional_kwargs: ai.additional_kwargs,
    response_metadata: ai.response_metadata,
    ...(ai.usage_metadata ? { usage_metadata: ai.usage_metadata } : {}),
  });
}

/**
 * Applies one decision to one pending call. The stored approval is decided only when it is this call's: its digest
 * over tool, call id, the state's arguments, the caller and the thread matches. Approve then resumes through core,
 * which refuses anything not approved for exactly this call; reject and edit never resume what they did not deny.
 */
async function settle(
  runner: GatedToolRunner,
  p: Pending,
  d: TollgateDecision & { by: string },
  context: CallContext,
): Promise<{ message: ToolMessage; call?: ToolCall }> {
  const id = d.approvalId ?? p.approvalId;
  const expect = { args: p.call.args, context, bind: context.bind };
  const resumeOptions = context.provenance ? { expect, provenance: context.provenance } : { expect };
  const ours = isPendingFor(await runner.getApproval(id).catch(() => undefined), p.call, context);
  const placeholderId = p.message.id;
  if (d.type === 'approve') {
    if (ours) await runner.approve(id, { by: d.by, ...(d.comment === undefined ? {} : { comment: d.comment }) });
    return { message: toolMessageOf(await runner.resume(id, resumeOptions), p.call, placeholderId) };
  }
  const denied = ours
    ? await runner.deny(id, {
        by: d.by,
        comment: d.type === 'edit' ? 'Replaced with an edited call.' : (d.message ?? 'Rejected.'),
      })
    : undefined;
  if (!denied?.ok) {
    const why = denied ? denied.message : `Approval ${id} is not a pending approval of this call.`;
    return {
      message: adapterDenial(
        p.call,
        'approval_mismatch',
        `${why} Nothing ran; ask the user how to proceed.`,
        placeholderId,
      ),
    };
  }
  if (d.type === 'reject') {
    const result = await runner.resume(id, resumeOptions);
    const message = toolMessageOf(result, p.call, placeholderId);
    if (d.message !== undefined && result.reason === 'approval_denied') message.content = d.message;
    return { message };
  }
  const call: ToolCall = { type: 'tool_call', id: p.call.id, name: d.editedAction.name, args: d.editedAction.args };
  const result = await runner.call(call.name, call.args, context);
  return { message: toolMessageOf(result, call, placeholderId), call };
}

/** True when `record` is still pending and was made for exactly this call, caller and thread. */
function isPendingFor(record: ApprovalRecord | undefined, call: ToolCall, context: CallContext): boolean {
  if (record?.status !== 'pending') return false;
  const parsed = parseArguments(call.args);
  if (!parsed.ok) return false;
  const subject = {
    tool: call.name,
    callId: call.id ?? '',
    args: parsed.args,
    caller: callerOf(context),
    bind: context.bind,
  };
  return approvalDigest(subject) === record.digest;
}
