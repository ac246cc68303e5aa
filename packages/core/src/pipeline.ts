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
 */
export async function runChecks(
  state: CallState,
  recorder: Recorder,
  approval: ApprovalRecord | undefined,
): Promise<PipelineOutcome> {
  const t = performance.now();
  const askers: Asker[] = [];
  try {
    for (const { gate, options } of state.pipeline) {
      if (!gate.check) continue;
      if (approval?.gates.includes(gate.name)) {
        recorder.decision(state, approvedDecision(gate, approval));
        continue;
      }
      let verdict = evaluate(gate, () => gate.check!(state.ctx, options)) as GateVerdict | Promise<GateVerdict>;
      if (verdict instanceof Promise) verdict = await verdict;
      const decision = toDecision(gate, verdict);
      recorder.decision(state, decision);
      if (verdict.reservation) state.reservations.push(verdict.reservation);
      if (decision.enforced === false) continue;
      if (decision.outcome === 'block') return { kind: 'block', gate, decision };
      if (decision.outcome === 'require_approval') askers.push({ gate, decision });
    }
  } finally {
    state.gatesMs += performance.now() - t;
  }
  return askers.length > 0 ? { kind: 'approval', askers } : ALLOW;
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
