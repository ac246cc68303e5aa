import { performance } from 'node:perf_hooks';
import type { ApprovalRecord } from './approvals.js';
import type { Clock } from './clock.js';
import type { CallContext, HandlerContext, ResumedApproval } from './context.js';
import { errorText } from './errors.js';
import type { GateDecision, Reservation, SettleInfo } from './gate.js';
import type { PipelineStep } from './gates.js';
import { newId } from './ids.js';
import type { Recorder } from './recording.js';
import type { GateResult } from './result.js';
import type { ToolDefinition } from './tool.js';

/** Mutable state of one call while it moves through the pipeline. */
export interface CallState {
  readonly tool: string;
  readonly callId: string;
  readonly traceId: string;
  readonly startedAt: number;
  readonly t0: number;
  gatesMs: number;
  handlerMs: number;
  readonly decisions: GateDecision[];
  readonly warnings: string[];
  /** One object for gates and handler; gates see it as a GateContext. */
  readonly ctx: HandlerContext;
  /** What the handler reported with `ctx.report`, created on first use. */
  reported: Record<string, unknown> | undefined;
  /** What the handler receives: the arguments as validated (a Standard Schema's output value). */
  handlerArgs: unknown;
  readonly pipeline: readonly PipelineStep[];
  /** What the gates hold for this call so far, in the order they were taken. */
  readonly reservations: Reservation[];
  readonly resumedFrom: string | undefined;
}

/** What a call starts from. */
export interface CallInit {
  tool: string;
  context: CallContext;
  args: Record<string, unknown>;
  definition: ToolDefinition | undefined;
  pipeline: readonly PipelineStep[];
  dryRun: boolean;
  /** Set on resume: the approval the call runs under. */
  approval?: ApprovalRecord | undefined;
  /** The approval id a refused resume was for (defaults to `approval.id`). */
  resumedFrom?: string | undefined;
}

/** How a call ends, before the result is built. */
export type Outcome = Pick<GateResult, 'status' | 'reason' | 'message'> &
  Partial<Pick<GateResult, 'blockedBy' | 'retryAfterMs' | 'result' | 'error' | 'approval'>>;

/** Starts a call's state. */
export function beginCall(init: CallInit, clock: Clock): CallState {
  const { context } = init;
  const callId = context.callId ?? newId('call');
  const traceId = context.traceId ?? newId('trace');
  const ctx: HandlerContext = {
    tool: init.tool,
    args: init.args,
    callId,
    actor: context.actor,
    tenant: context.tenant,
    session: context.session,
    // Arrays only: gates test membership with includes(), which on a string would match substrings.
    scopes: Array.isArray(context.scopes) ? context.scopes : [],
    roles: Array.isArray(context.roles) ? context.roles : [],
    metadata: context.metadata ?? {},
    traceId,
    clock,
    dryRun: init.dryRun,
    definition: init.definition,
    approval: init.approval ? resumedApproval(init.approval) : undefined,
    provenance: context.provenance,
    report(key, value) {
      state.reported ??= Object.create(null) as Record<string, unknown>;
      state.reported[key] = value;
    },
  };
  const state: CallState = {
    tool: init.tool,
    callId,
    traceId,
    startedAt: clock.now(),
    t0: performance.now(),
    gatesMs: 0,
    handlerMs: 0,
    decisions: [],
    warnings: [],
    ctx,
    reported: undefined,
    handlerArgs: init.args,
    pipeline: init.pipeline,
    reservations: [],
    resumedFrom: init.resumedFrom ?? init.approval?.id,
  };
  return state;
}

function resumedApproval(record: ApprovalRecord): ResumedApproval {
  const approval: ResumedApproval = { id: record.id, by: record.decision?.by, gates: record.gates, data: record.data };
  if (record.decision?.comment !== undefined) approval.comment = record.decision.comment;
  if (record.approvals) approval.approvers = record.approvals.map((a) => a.by);
  return approval;
}

/**
 * Ends a call, the one way every call ends: settles what the gates hold (`commit` after a run, `release`
 * otherwise), builds the result, hands it to every gate's `record` (not for dry runs) and tells listeners.
 */
export async function conclude(
  state: CallState,
  outcome: Outcome,
  recorder: Recorder,
  how: 'commit' | 'release' = 'release',
): Promise<GateResult> {
  await settle(state, how, outcome);
  const result: GateResult = {
    status: outcome.status,
    allowed: outcome.status === 'executed' || outcome.status === 'allowed',
    tool: state.tool,
    callId: state.callId,
    reason: outcome.reason,
    message: outcome.message,
    decisions: state.decisions,
    traceId: state.traceId,
    eventId: newId('evt'),
    timings: { startedAt: state.startedAt, gatesMs: state.gatesMs, handlerMs: state.handlerMs, totalMs: 0 },
  };
  if ('result' in outcome) result.result = outcome.result;
  if (outcome.error) result.error = outcome.error;
  if (outcome.blockedBy) result.blockedBy = outcome.blockedBy;
  if (outcome.retryAfterMs !== undefined) result.retryAfterMs = outcome.retryAfterMs;
  if (outcome.approval) result.approval = outcome.approval;
  if (state.resumedFrom) result.resumedFrom = state.resumedFrom;
  if (state.ctx.dryRun) result.dryRun = true;
  else await recorder.record(state, result);
  if (state.warnings.length > 0) result.warnings = state.warnings;
  result.timings.totalMs = performance.now() - state.t0;
  recorder.result(state, result);
  return result;
}

/** Commits or releases, last taken first, what the gates hold for the call; failures become warnings. */
export async function settle(state: CallState, how: 'commit' | 'release', outcome: Outcome): Promise<void> {
  if (state.reservations.length === 0) return;
  const info: SettleInfo = {
    status: outcome.status,
    reported: state.reported ?? {},
    warn: (message) => void state.warnings.push(String(message)),
  };
  if ('result' in outcome) info.result = outcome.result;
  if (outcome.error) info.error = outcome.error;
  const held = state.reservations;
  // Release in reverse, so the last hold taken is the first given back.
  for (let i = held.length - 1; i >= 0; i--) {
    try {
      await held[i]![how](info);
    } catch (err) {
      state.warnings.push(`a reservation failed to ${how}: ${errorText(err)}`);
    }
  }
  held.length = 0;
}
