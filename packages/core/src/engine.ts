import { performance } from 'node:perf_hooks';
import type { ApprovalFlow } from './approval-flow.js';
import type { ApprovalRecord } from './approvals.js';
import { beginCall, type CallState, conclude, type Outcome, settle } from './call.js';
import type { Clock } from './clock.js';
import type { CallContext } from './context.js';
import { errorName, errorText } from './errors.js';
import type { GateDecision } from './gate.js';
import { runBeforeExecute, runChecks } from './pipeline.js';
import { Reason } from './reasons.js';
import type { Recorder } from './recording.js';
import type { RegisteredTool, ToolRegistry } from './registry.js';
import type { GateResult } from './result.js';
import { parseArguments } from './validation.js';

/** What the runner's calls share. */
export interface Engine {
  readonly registry: ToolRegistry;
  readonly recorder: Recorder;
  readonly approvals: ApprovalFlow;
  readonly clock: Clock;
  readonly chargeOnError: boolean;
}

/** One call's request: a fresh call, a dry run, or the resume of an approved call. */
export interface CallRequest {
  tool: string;
  args: unknown;
  context: CallContext;
  dryRun: boolean;
  approval?: ApprovalRecord;
}

/**
 * Runs one call from start to end: registry, arguments, checks, approval or dry-run answer, consume (on resume),
 * beforeExecute, handler, conclusion. Never throws: whatever escapes becomes a blocked result.
 */
export async function runCall(engine: Engine, request: CallRequest): Promise<GateResult> {
  try {
    return await walk(engine, request);
  } catch (err) {
    // Last line of defence. A dry run stays one: marked dryRun, and not handed to the gates' record().
    const state = beginCall(
      {
        tool: request.tool,
        context: request.context,
        args: {},
        definition: undefined,
        pipeline: engine.registry.pipelineOf(request.tool),
        dryRun: request.dryRun,
        approval: request.approval,
      },
      engine.clock,
    );
    return conclude(
      state,
      {
        status: 'blocked',
        blockedBy: 'runner',
        reason: Reason.gateError,
        message: `The call failed inside tollgate: ${errorText(err)}. It did not run.`,
      },
      engine.recorder,
    );
  }
}

async function walk(engine: Engine, request: CallRequest): Promise<GateResult> {
  const { registry, recorder } = engine;
  const entry = registry.get(request.tool);
  if (!entry) {
    const state = start(engine, request, undefined, {});
    const known = registry.names();
    return conclude(
      state,
      {
        status: 'blocked',
        blockedBy: 'registry',
        reason: Reason.unknownTool,
        message: `Unknown tool "${String(request.tool)}". Available tools: ${known.length ? known.join(', ') : '(none)'}.`,
      },
      recorder,
    );
  }
  const parsed = parseArguments(request.args);
  const state = start(engine, request, entry, parsed.ok ? parsed.args : {});
  if (!parsed.ok) return blockValidation(engine, state, parsed.reason, parsed.message);
  let valid = entry.parameters.check(state.ctx.args);
  if (valid instanceof Promise) valid = await valid;
  if (!valid.ok) {
    return blockValidation(
      engine,
      state,
      Reason.invalidArguments,
      `Invalid arguments for ${request.tool}: ${valid.problems}. Fix these and call again.`,
    );
  }
  state.handlerArgs = valid.value;
  recorder.decision(state, { outcome: 'allow', gate: 'validation', stage: 'validation', reason: Reason.ok });

  const checked = await runChecks(state, recorder, request.approval);
  if (checked.kind === 'block') return conclude(state, blocked(checked.decision), recorder);
  if (checked.kind === 'approval') {
    // Nothing after an approval request may take effect: holds are released before the approval is stored.
    await settle(state, 'release', PAUSED);
    return conclude(state, await engine.approvals.request(state, request.context, checked.askers), recorder);
  }
  if (request.dryRun) {
    return conclude(
      state,
      {
        status: 'allowed',
        reason: Reason.allowed,
        message: 'Every gate allows this call (dry run: nothing was executed or reserved).',
      },
      recorder,
    );
  }
  if (request.approval) {
    const refusal = await engine.approvals.consume(request.approval.id);
    if (refusal) return conclude(state, refusal, recorder);
  }
  const ready = await runBeforeExecute(state, recorder);
  if (ready.kind === 'block') return conclude(state, blocked(ready.decision), recorder);
  return execute(engine, state, entry);
}

function start(
  engine: Engine,
  request: CallRequest,
  entry: RegisteredTool | undefined,
  args: Record<string, unknown>,
): CallState {
  return beginCall(
    {
      tool: request.tool,
      context: request.context,
      args,
      definition: entry?.definition,
      pipeline: entry?.pipeline ?? engine.registry.fallback,
      dryRun: request.dryRun,
      approval: request.approval,
    },
    engine.clock,
  );
}

const PAUSED: Outcome = { status: 'approval_required', reason: Reason.approvalRequired, message: '' };

function blocked(decision: GateDecision): Outcome {
  return {
    status: 'blocked',
    blockedBy: decision.gate,
    reason: decision.reason,
    message: decision.message ?? `Blocked by ${decision.gate} (${decision.reason}).`,
    retryAfterMs: decision.retryAfterMs,
  };
}

function blockValidation(engine: Engine, state: CallState, reason: string, message: string): Promise<GateResult> {
  engine.recorder.decision(state, { outcome: 'block', gate: 'validation', stage: 'validation', reason, message });
  return conclude(state, { status: 'blocked', blockedBy: 'validation', reason, message }, engine.recorder);
}

/** Runs the handler once; from here on the call has run, so nothing may report it as not run. */
async function execute(engine: Engine, state: CallState, entry: RegisteredTool): Promise<GateResult> {
  const th = performance.now();
  let outcome: Outcome;
  let how: 'commit' | 'release' = 'commit';
  try {
    const result = await entry.definition.handler(state.handlerArgs, state.ctx);
    outcome = { status: 'executed', result, reason: Reason.executed, message: 'Executed.' };
  } catch (err) {
    const error = { name: errorName(err), message: errorText(err) };
    if (!(entry.definition.chargeOnError ?? engine.chargeOnError)) how = 'release';
    outcome = {
      status: 'tool_error',
      error,
      reason: Reason.toolError,
      message: `The tool failed: ${error.name}: ${error.message}`,
    };
  }
  state.handlerMs = performance.now() - th;
  return conclude(state, outcome, engine.recorder, how);
}
