import {
  type CallContext,
  errorText,
  type GatedToolRunner,
  type GateResult,
  type ProvenanceRecorder,
  parseArguments,
} from '@tollgate/core';
import { BrokenCircuitError } from 'cockatiel';
import type OpenAI from 'openai';
import type { ApiDriver, ModelTurn, TurnPiece, TurnRequest } from './driver.js';
import { ModelCallError } from './errors.js';
import { roundBinding, runCalls } from './execute.js';
import { type ProvenanceFactory, recordOutputs } from './provenance.js';
import { toolOutputMessage } from './tool-calls.js';
import { modelOutput, type ToolOutputOptions } from './tool-output.js';
import type {
  Conversation,
  Execution,
  PendingCall,
  RequestParams,
  RunEvent,
  RunResult,
  RunStatus,
  ToolOutputMessage,
} from './types.js';

/** What every run of one adapter shares (read-only: nothing here belongs to a run). */
export interface LoopDeps {
  client: OpenAI;
  runner: GatedToolRunner;
  driver: ApiDriver;
  maxToolRounds: number;
  output: ToolOutputOptions;
  /** Makes each run's provenance recorder; absent: runs record none. */
  provenance: ProvenanceFactory | undefined;
  send<T>(fn: () => Promise<T>): Promise<T>;
}

/** Where a loop starts: a conversation, the rounds already used, and the run's context and request. */
export interface LoopStart {
  conversation: Conversation;
  /** The model every call of this run goes to. */
  model: string;
  round: number;
  context: CallContext;
  request: RequestParams;
  stream: boolean;
  /** Results already produced by this invocation (a resume's approved calls). */
  events: GateResult[];
  /** The run's provenance, holding everything in `conversation` already. */
  provenance: ProvenanceRecorder | undefined;
}

/** The execution summary of a run. */
export const executionOf = (events: GateResult[]): Execution => ({ events, last: events.at(-1) });

/** The `execution_event` for a result. */
export function executionEvent(result: GateResult, round: number): RunEvent {
  const { callId, tool, status, reason } = result;
  return { type: 'execution_event', callId, tool, status, reason, result, round };
}

/** A run result with the conversation spread into the API's fields. */
export function runResult(
  status: RunStatus,
  conversation: Conversation,
  events: GateResult[],
  rounds: number,
  turn: ModelTurn | undefined,
  extra: Pick<RunResult, 'interruptions' | 'state' | 'provenance'> = {},
): RunResult {
  const result: RunResult = {
    status,
    outputText: turn?.text ?? '',
    execution: executionOf(events),
    rounds,
    ...extra,
  };
  if (result.provenance === undefined) delete result.provenance;
  if (turn) result.response = turn.response;
  if (conversation.api === 'chat') result.messages = conversation.messages;
  else {
    result.input = conversation.input;
    if (conversation.previousResponseId) result.previousResponseId = conversation.previousResponseId;
  }
  return result;
}

/**
 * The tool loop: call the model; if it asks for tools, run them all concurrently through the runner,
 * append their outputs and call it again; stop when it answers without tools, when a call needs approval
 * (after the turn's other calls finished), or when `maxToolRounds` rounds have run.
 * Yields stream events and ends with `final_response`; throws only {@link ModelCallError}.
 */
export async function* toolLoop(deps: LoopDeps, start: LoopStart): AsyncGenerator<RunEvent, RunResult> {
  const { driver } = deps;
  const events = [...start.events];
  let conversation = start.conversation;
  let round = start.round;
  const req: TurnRequest = { ...deps, model: start.model, request: start.request, stream: start.stream };
  const { provenance } = start;
  for (;;) {
    let turn: ModelTurn;
    try {
      turn = yield* withRound(driver.turn(conversation, req), round + 1);
    } catch (err) {
      throw modelCallError(err, executionOf(events));
    }
    if (turn.toolCalls.length === 0) {
      conversation = driver.withTurn(conversation, turn, start.request);
      return yield* finish(runResult('completed', conversation, events, round, turn, { provenance }));
    }
    if (round >= deps.maxToolRounds) {
      // The conversation stops before this turn, so it can be continued: its calls have no outputs.
      return yield* finish(runResult('max_rounds', conversation, events, round, turn, { provenance }));
    }
    conversation = driver.withTurn(conversation, turn, start.request);
    round += 1;
    // An approval asked for in this round is bound to it and to the conversation so far: a saved state cannot be
    // replayed with another round, nor with edited messages.
    const context: CallContext = { ...start.context, bind: roundBinding(round, conversation) };
    if (provenance) context.provenance = provenance;
    const results = await runCalls(deps.runner, turn.toolCalls, context);
    events.push(...results);
    for (const result of results) yield executionEvent(result, round);

    const outputs = await Promise.all(
      results.map(async (r, i) => {
        if (r.status === 'approval_required' && r.approval) return null;
        const call = turn.toolCalls[i]!;
        return toolOutputMessage(driver.api, call.callId, await modelOutput(r, call.name, deps.output));
      }),
    );
    const pending = pendingCalls(results, turn);
    if (pending.length > 0) {
      const state = {
        schemaVersion: 1 as const,
        api: driver.api,
        model: start.model,
        conversation,
        pendingCalls: pending,
        approvalIds: pending.map((p) => p.approvalId),
        turnOutputs: outputs,
        round,
        context: start.context,
        request: start.request,
      };
      const interruptions = pending.map(({ index: _index, ...interruption }) => interruption);
      return yield* finish(
        runResult('paused', conversation, events, round, turn, { interruptions, state, provenance }),
      );
    }
    conversation = driver.withOutputs(conversation, outputs as ToolOutputMessage[]);
    if (provenance) {
      recordOutputs(provenance, outputs as ToolOutputMessage[], new Map(turn.toolCalls.map((c) => [c.callId, c.name])));
    }
  }
}

async function* finish(result: RunResult): AsyncGenerator<RunEvent, RunResult> {
  yield { type: 'final_response', result };
  return result;
}

/** Tags a turn's pieces with the round they belong to (the tool round the turn may start, from 1). */
async function* withRound(
  turn: AsyncGenerator<TurnPiece, ModelTurn>,
  round: number,
): AsyncGenerator<RunEvent, ModelTurn> {
  try {
    for (;;) {
      const next = await turn.next();
      if (next.done) return next.value;
      yield { ...next.value, round };
    }
  } finally {
    // A consumer that stops early ends the turn too, which aborts the SDK's stream.
    await turn.return(undefined as never);
  }
}

function pendingCalls(results: GateResult[], turn: ModelTurn): PendingCall[] {
  return results.flatMap((r, index) => {
    if (r.status !== 'approval_required' || !r.approval) return [];
    const call = turn.toolCalls[index]!;
    return [
      {
        approvalId: r.approval.id,
        tool: r.tool,
        // Validation passed before the gate asked, so these parse: they are the arguments the digest binds.
        args: (parseArguments(call.arguments) as { args: Record<string, unknown> }).args,
        reason: r.reason,
        message: r.message,
        callId: r.callId,
        index,
      },
    ];
  });
}

function modelCallError(err: unknown, execution: Execution): ModelCallError {
  if (err instanceof BrokenCircuitError) {
    return new ModelCallError(
      'model_unavailable',
      'The model provider is unavailable: the circuit breaker is open after repeated failures, so no request was sent. Try again later.',
      execution,
      { cause: err },
    );
  }
  return new ModelCallError('model_error', `The model call failed: ${errorText(err)}`, execution, { cause: err });
}
