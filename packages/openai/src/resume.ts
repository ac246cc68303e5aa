import { type ApprovalRecord, type CallContext, canonicalJson, type GateResult } from '@tollgate/core';
import { ResumeInputError } from './errors.js';
import { executionEvent, type LoopDeps, runResult, toolLoop } from './loop.js';
import { assertRunState } from './state.js';
import { toolOutputMessage } from './tool-calls.js';
import { adapterDenial, toolOutputContent } from './tool-output.js';
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
 * `invalid_decision`), including a state whose caller (actor, tenant, session, scopes, roles, metadata) is not
 * the one the runner's stored approvals were made for: the state cannot change who later calls run as.
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
  assertCaller(state.context, records);
  const settled = await Promise.all(
    state.pendingCalls.map((p, i) => settle(deps, p, decisions[p.approvalId], records[i]!)),
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
    });
    yield { type: 'final_response', result };
    return result;
  }
  return yield* toolLoop(deps, {
    conversation: deps.driver.withOutputs(state.conversation, outputs as ToolOutputMessage[]),
    round: state.round,
    context: state.context,
    request: state.request,
    stream,
    events,
  });
}

/** The stored approval, `undefined` when the store has none, or `'unreadable'` when the store failed. */
type StoredApproval = ApprovalRecord | undefined | 'unreadable';

function readApproval(deps: LoopDeps, id: string): Promise<StoredApproval> {
  return deps.runner.getApproval(id).catch(() => 'unreadable' as const);
}

/**
 * The state's caller must be the one the runner recorded with each approval; otherwise an edited state could
 * run the rest of the loop as another actor or tenant. A state no stored approval vouches for is refused too.
 */
function assertCaller(context: CallContext, records: readonly StoredApproval[]): void {
  const claimed = callerOf(context);
  for (const record of records) {
    if (record === 'unreadable') continue; // the store's failure is answered per call (approval_store_error)
    if (!record || callerOf(record.context) !== claimed) {
      throw new ResumeInputError(
        'invalid_run_state',
        record
          ? 'The run state names a different caller than the approval was requested for; it was not resumed.'
          : "No approval in the runner's store vouches for this run state (expired and removed, or never made).",
      );
    }
  }
}

function callerOf(c: CallContext): string {
  return canonicalJson({
    actor: c.actor,
    tenant: c.tenant,
    session: c.session,
    scopes: c.scopes,
    roles: c.roles,
    metadata: c.metadata,
  });
}

async function settle(
  deps: LoopDeps,
  call: PendingCall,
  choice: ApprovalChoice | undefined,
  stored: StoredApproval,
): Promise<Settled> {
  const { runner } = deps;
  const record = stored === 'unreadable' ? undefined : stored;
  // The state names an approval that belongs to another call: it cannot lend its approval to this one.
  if (record && (record.tool !== call.tool || record.callId !== call.callId)) {
    return {
      pending: false,
      content: adapterDenial(
        'approval_mismatch',
        'This call has no approval of its own, so it did not run. Ask the user how to proceed.',
      ),
    };
  }
  if (!choice) {
    if (record?.status === 'pending') return { pending: true };
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
  const result = await runner.resume(call.approvalId, { args: call.args });
  return { pending: false, content: toolOutputContent(result, deps.output), result };
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
