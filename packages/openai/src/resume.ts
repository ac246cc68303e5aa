import {
  type ApprovalRecord,
  type CallContext,
  callerOf,
  canonicalJson,
  type GateResult,
  type ProvenanceRecorder,
} from '@tollgate/core';
import { ResumeInputError } from './errors.js';
import { roundBinding } from './execute.js';
import { executionEvent, type LoopDeps, runResult, toolLoop } from './loop.js';
import { recordConversation, recordOutputs, toolNames } from './provenance.js';
import { assertRunState } from './state.js';
import { toolOutputMessage } from './tool-calls.js';
import { adapterDenial, modelOutput } from './tool-output.js';
import type { ApprovalChoice, PendingCall, RunEvent, RunResult, RunState, ToolOutputMessage } from './types.js';

/** Decisions for a paused run, keyed by approval id. */
export type ApprovalDecisions = Readonly<Record<string, ApprovalChoice>>;

/** How one pending call came out: still waiting, or an output (with the runner's result when it has one). */
type Settled = { pending: true } | { pending: false; content: string; result?: GateResult };

/**
 * Continues a paused run: records each decision in the runner's approval store, resumes every decided call
 * through the runner (which re-runs the other gates, checks the digest and consumes the approval once),
 * answers the paused turn's calls with their outputs (executed results and denials alike) and goes on with
 * the loop. A call with no decision whose approval was decided elsewhere (another process, a dashboard)
 * resumes too; one still pending keeps the run paused. Throws {@link ResumeInputError} before changing
 * anything when the state or the decisions are unusable (`invalid_run_state`, `unknown_approval`,
 * `invalid_decision`), including a state whose caller (actor, tenant, session, scopes, roles, metadata) or tool
 * round is not the one the runner's stored approvals were made for, so the state can change neither who later
 * calls run as nor how many rounds remain; a state already resumed (`run_state_used`); and a state whose
 * approvals cannot be read (`approval_store_error`), since then none of that can be checked. Each resume also
 * passes the state's arguments, caller and round to `runner.resume` as its expectation.
 */
export async function* resumeLoop(
  deps: LoopDeps,
  state: unknown,
  decisions: ApprovalDecisions,
  stream: boolean,
): AsyncGenerator<RunEvent, RunResult> {
  assertRunState(state, deps.driver.api);
  const known = new Set(state.pendingCalls.map((p) => p.approvalId));
  for (const [id, choice] of Object.entries(decisions)) {
    if (!known.has(id))
      throw new ResumeInputError('unknown_approval', `No call in this state waits for approval ${id}.`);
    assertChoice(id, choice);
  }
  const records = await Promise.all(state.pendingCalls.map((p) => readApproval(deps, p.approvalId)));
  assertVouched(state, records);
  // Rebuilt from the messages the approvals vouch for (their binding holds the conversation's digest), never from
  // anything else the state says; the resumed calls see what the model had seen when it made them.
  const provenance = deps.provenance?.();
  if (provenance) recordConversation(provenance, state.conversation, state.request);
  const settled = await Promise.all(
    state.pendingCalls.map((p, i) =>
      settle(deps, state, p, decisions[p.approvalId], records[i] as ApprovalRecord, provenance),
    ),
  );
  const events: GateResult[] = [];
  const outputs = [...state.turnOutputs];
  const stillPending: PendingCall[] = [];
  for (const [i, p] of state.pendingCalls.entries()) {
    const s = settled[i]!;
    if (s.pending) {
      stillPending.push(p);
      continue;
    }
    outputs[p.index] = toolOutputMessage(deps.driver.api, p.callId, s.content);
    if (s.result) {
      events.push(s.result);
      yield executionEvent(s.result, state.round);
    }
  }
  if (stillPending.length > 0) {
    const next: RunState = {
      ...state,
      pendingCalls: stillPending,
      approvalIds: stillPending.map((p) => p.approvalId),
      turnOutputs: outputs,
    };
    const interruptions = stillPending.map(({ index: _index, ...interruption }) => interruption);
    const result = runResult('paused', state.conversation, events, state.round, undefined, {
      interruptions,
      state: next,
      provenance,
    });
    yield { type: 'final_response', result };
    return result;
  }
  if (provenance) recordOutputs(provenance, outputs as ToolOutputMessage[], toolNames(state.conversation));
  return yield* toolLoop(deps, {
    conversation: deps.driver.withOutputs(state.conversation, outputs as ToolOutputMessage[]),
    model: state.model,
    round: state.round,
    context: state.context,
    request: state.request,
    stream,
    events,
    provenance,
  });
}

/** The stored approval, `undefined` when the store has none, or `'unreadable'` when the store failed. */
type StoredApproval = ApprovalRecord | undefined | 'unreadable';

function readApproval(deps: LoopDeps, id: string): Promise<StoredApproval> {
  return deps.runner.getApproval(id).catch(() => 'unreadable' as const);
}

/**
 * Every approval the state names must vouch for it: readable, made for the state's caller in the state's round,
 * and not yet used. Otherwise an edited state could run the rest of the loop as another actor or tenant, or with
 * rounds it was never given, and a saved state could be replayed.
 */
function assertVouched(state: RunState, records: readonly StoredApproval[]): void {
  const claimed = callerJson(state.context);
  const round = canonicalJson(roundBinding(state.round, state.conversation));
  for (const record of records) {
    if (record === 'unreadable') {
      throw new ResumeInputError(
        'approval_store_error',
        'The approval store could not be read, so this run state cannot be checked; nothing was resumed. Try again later.',
      );
    }
    if (!record) {
      throw new ResumeInputError(
        'invalid_run_state',
        "No approval in the runner's store vouches for this run state (expired and removed, or never made).",
      );
    }
    if (callerJson(record.context) !== claimed) {
      throw new ResumeInputError(
        'invalid_run_state',
        'The run state names a different caller than the approval was requested for; it was not resumed.',
      );
    }
    if (record.bind === undefined || canonicalJson(record.bind) !== round) {
      throw new ResumeInputError(
        'invalid_run_state',
        'The run state names a different tool round, or holds different messages, than the approval was requested with; it was not resumed.',
      );
    }
    if (record.status === 'consumed') {
      throw new ResumeInputError(
        'run_state_used',
        'This run state was already resumed; continue from the state that resume returned.',
      );
    }
  }
}

function callerJson(c: CallContext): string {
  return canonicalJson(callerOf(c));
}

async function settle(
  deps: LoopDeps,
  state: RunState,
  call: PendingCall,
  choice: ApprovalChoice | undefined,
  record: ApprovalRecord,
  provenance: ProvenanceRecorder | undefined,
): Promise<Settled> {
  const { runner } = deps;
  // The state names an approval that belongs to another call: it cannot lend its approval to this one.
  if (record.tool !== call.tool || record.callId !== call.callId) {
    return {
      pending: false,
      content: adapterDenial(
        'approval_mismatch',
        'This call has no approval of its own, so it did not run. Ask the user how to proceed.',
      ),
    };
  }
  if (!choice) {
    if (record.status === 'pending') return { pending: true };
  } else if (choice.approve) {
    // A refusal here (already decided, expired) is reported by resume below, which enforces it.
    await runner.approve(call.approvalId, { by: choice.by, comment: choice.comment });
  } else {
    const denied = await runner.deny(call.approvalId, { by: choice.by, comment: choice.comment });
    // Never resume what this caller denied, even if someone else approved it first.
    if (!denied.ok) {
      return {
        pending: false,
        content: adapterDenial('approval_denied', `${denied.message} The call was denied and did not run.`),
      };
    }
  }
  const expect = { args: call.args, context: state.context, bind: roundBinding(state.round, state.conversation) };
  const result = await runner.resume(call.approvalId, provenance ? { expect, provenance } : { expect });
  return { pending: false, content: await modelOutput(result, call.tool, deps.output), result };
}

/** A decision must say yes or no and who said it: `{approve: 'false'}` from a form must not approve. */
function assertChoice(id: string, choice: unknown): asserts choice is ApprovalChoice {
  const c = choice as Partial<ApprovalChoice> | null;
  if (
    typeof c !== 'object' ||
    c === null ||
    typeof c.approve !== 'boolean' ||
    typeof c.by !== 'string' ||
    c.by === '' ||
    (c.comment !== undefined && typeof c.comment !== 'string')
  ) {
    throw new ResumeInputError(
      'invalid_decision',
      `The decision for approval ${id} must be {approve: true|false, by: "<who>", comment?: "<why>"}.`,
    );
  }
}
