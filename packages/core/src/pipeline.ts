import { performance } from 'node:perf_hooks';
import type { ApprovalRecord } from './approvals.js';
import type { CallState } from './call.js';
import type { Gate, GateDecision, GateVerdict } from './gate.js';
import { evaluate, toDecision } from './gates.js';
import { Reason } from './reasons.js';
import type { Recorder } from './recording.js';

/** A gate that asked for a human, with its decision. */
export interface Asker {
  gate: Gate;
  decision: GateDecision;
}

/** Where the walk through the gates ended; what the gates reserved is on the call state. */
export type PipelineOutcome =
  | { kind: 'block'; gate: Gate; decision: GateDecision }
  | { kind: 'approval'; askers: Asker[] }
  | { kind: 'allow' };

const ALLOW: PipelineOutcome = { kind: 'allow' };

/**
 * Runs every gate's `check` in stage order. The first enforced block stops the walk. A require_approval does not:
 * a later block must still win, so the walk goes on and the caller releases what was reserved before storing the
 * approval. On resume, the gates that asked for the approval are not asked again. A gate in shadow is recorded
 * and never stops or pauses the call.
 *
 * The checks of `concurrent` gates start together before the walk, so their store commands leave in one round
 * trip; the walk still takes their verdicts in stage order. When it stops early, the verdicts it did not reach are
 * awaited (they are in flight already), not recorded, and their reservations handed to the caller to release.
 */
export async function runChecks(
  state: CallState,
  recorder: Recorder,
  approval: ApprovalRecord | undefined,
): Promise<PipelineOutcome> {
  const t = performance.now();
  const askers: Asker[] = [];
  const steps = state.pipeline;
  const early = startConcurrent(state, approval);
  try {
    for (let i = 0; i < steps.length; i++) {
      const { gate, options } = steps[i]!;
      if (!gate.check) continue;
      if (approval?.gates.includes(gate.name)) {
        recorder.decision(state, approvedDecision(gate, approval));
        continue;
      }
      let verdict = (early?.[i] ?? evaluate(gate, () => gate.check!(state.ctx, options))) as
        | GateVerdict
        | Promise<GateVerdict>;
      if (verdict instanceof Promise) verdict = await verdict;
      const decision = toDecision(gate, verdict);
      recorder.decision(state, decision);
      if (verdict.reservation) state.reservations.push(verdict.reservation);
      if (decision.enforced === false) continue;
      if (decision.outcome === 'block') {
        if (early) await collectUnreached(state, early, i + 1);
        return { kind: 'block', gate, decision };
      }
      if (decision.outcome === 'require_approval') askers.push({ gate, decision });
    }
  } finally {
    state.gatesMs += performance.now() - t;
  }
  return askers.length > 0 ? { kind: 'approval', askers } : ALLOW;
}

type Pending = GateVerdict | Promise<GateVerdict> | undefined;

/** Starts the checks of the concurrent gates (none on a resume's asking gates); undefined when there are none. */
function startConcurrent(state: CallState, approval: ApprovalRecord | undefined): Pending[] | undefined {
  let early: Pending[] | undefined;
  const steps = state.pipeline;
  for (let i = 0; i < steps.length; i++) {
    const { gate, options } = steps[i]!;
    if (!gate.concurrent || !gate.check || approval?.gates.includes(gate.name)) continue;
    early ??= new Array<Pending>(steps.length);
    early[i] = evaluate(gate, () => gate.check!(state.ctx, options)) as GateVerdict | Promise<GateVerdict>;
  }
  return early;
}

/** The early checks past the block: their decisions are dropped, their reservations kept for release. */
async function collectUnreached(state: CallState, early: Pending[], from: number): Promise<void> {
  for (let i = from; i < early.length; i++) {
    const pending = early[i];
    if (pending === undefined) continue;
    const verdict = pending instanceof Promise ? await pending : pending;
    if (verdict.reservation) state.reservations.push(verdict.reservation);
  }
}

/** Runs every gate's `beforeExecute`, in stage order, right before the handler; the first enforced block stops. */
export async function runBeforeExecute(state: CallState, recorder: Recorder): Promise<PipelineOutcome> {
  const t = performance.now();
  try {
    for (const { gate, options } of state.pipeline) {
      if (!gate.beforeExecute) continue;
      let verdict = evaluate(gate, () => gate.beforeExecute!(state.ctx, options), true);
      if (verdict instanceof Promise) verdict = await verdict;
      if (verdict === undefined) continue;
      const decision = toDecision(gate, verdict);
      recorder.decision(state, decision);
      if (verdict.reservation) state.reservations.push(verdict.reservation);
      if (decision.enforced !== false && decision.outcome !== 'allow') return { kind: 'block', gate, decision };
    }
  } finally {
    state.gatesMs += performance.now() - t;
  }
  return ALLOW;
}

/** What a gate that asked for the approval records on its resume: allowed, with its own earlier data. */
function approvedDecision(gate: Gate, approval: ApprovalRecord): GateDecision {
  const data: Record<string, unknown> = { approvalId: approval.id, by: approval.decision?.by };
  if (approval.approvals) data.approvers = approval.approvals.map((a) => a.by);
  const asked = approval.data[gate.name];
  if (asked !== undefined) data.asked = asked;
  return {
    outcome: 'allow',
    gate: gate.name,
    stage: gate.stage,
    reason: Reason.approved,
    message: 'A human approved this call.',
    data,
  };
}
