import { randomUUID } from 'node:crypto';
import {
  type ApprovalDecision,
  type ApprovalRecord,
  type ApprovalStore,
  describeRefusal,
  mergeQuorums,
  quorumProblem,
} from './approvals.js';
import type { CallState, Outcome } from './call.js';
import { type Caller, callerOf } from './caller.js';
import type { Clock } from './clock.js';
import type { CallContext } from './context.js';
import { approvalDigest, canonicalJson } from './digest.js';
import { errorText } from './errors.js';
import type { PipelineStep } from './gates.js';
import type { Json } from './json.js';
import type { Asker } from './pipeline.js';
import { Reason } from './reasons.js';
import type { Recorder } from './recording.js';
import type { ApprovalTicket } from './result.js';
import { parseArguments } from './validation.js';

/** The answer to `approve` and `deny`. */
export type ApprovalResponse =
  | { ok: true; approval: ApprovalRecord; warnings?: string[] }
  | { ok: false; reason: string; message: string; approval?: ApprovalRecord };

/** What the party resuming a call believes was approved; each field given must match the stored approval. */
export interface ResumeExpectation {
  /** The arguments (object or JSON string); refused with `approval_args_changed` when they differ. */
  args?: unknown;
  /** The caller (actor, tenant, session, scopes, roles, metadata); refused with `approval_caller_changed`. */
  context?: CallContext;
  /** The call's `bind` facts; refused with `approval_binding_changed`. */
  bind?: Readonly<Record<string, Json>>;
}

/** A resume's approval, checked, or why it cannot be used. */
export type LoadedApproval =
  | { ok: true; record: ApprovalRecord }
  | { ok: false; record: ApprovalRecord | undefined; reason: string; message: string };

/**
 * Everything about approvals between a gate asking and a call resuming: the ticket and its stored record, the
 * human's decision, the single-use consume, and every check a resume makes before any gate runs.
 */
export class ApprovalFlow {
  constructor(
    private readonly store: ApprovalStore,
    private readonly ttlMs: number,
    private readonly clock: Clock,
    private readonly recorder: Recorder,
  ) {}

  /**
   * Turns the askers into the call's approval: a ticket, and (unless a dry run) a stored pending record bound to
   * the call's digest. A store that cannot hold it blocks the call (`approval_store_error`).
   */
  async request(state: CallState, context: CallContext, askers: Asker[]): Promise<Outcome> {
    const first = askers[0]!.decision;
    for (const { gate, decision } of askers) {
      const problem = decision.quorum === undefined ? undefined : quorumProblem(decision.quorum);
      if (problem) {
        return {
          status: 'blocked',
          blockedBy: gate.name,
          reason: Reason.gateError,
          message: `Gate "${gate.name}" asked for an approval with an unusable quorum (${problem}). It did not run.`,
        };
      }
    }
    const quorum = mergeQuorums(askers.map((a) => a.decision.quorum));
    const now = this.clock.now();
    const data = Object.fromEntries(askers.map((a) => [a.gate.name, a.decision.data]));
    const args = state.ctx.args;
    const caller = callerOf(context);
    const bind = context.bind === undefined ? undefined : structuredClone(context.bind);
    const ticket: ApprovalTicket = {
      id: `apr_${randomUUID()}`,
      gates: askers.map((a) => a.gate.name),
      reason: first.reason,
      message: first.message,
      expiresAt: now + this.ttlMs,
      digest: approvalDigest({ tool: state.tool, callId: state.callId, args, caller, bind }),
      data,
    };
    if (quorum) ticket.quorum = quorum;
    const message = first.message ?? 'This call needs a human approval before it can run.';
    const outcome: Outcome = { status: 'approval_required', blockedBy: first.gate, reason: first.reason, message };
    if (state.ctx.dryRun) return outcome;
    const record: ApprovalRecord = {
      id: ticket.id,
      status: 'pending',
      tool: state.tool,
      callId: state.callId,
      args,
      digest: ticket.digest,
      context: { ...caller, traceId: state.traceId },
      gates: ticket.gates,
      reason: ticket.reason,
      message: ticket.message,
      data,
      createdAt: now,
      expiresAt: ticket.expiresAt,
    };
    if (bind !== undefined) record.bind = bind;
    if (quorum) record.quorum = quorum;
    try {
      await this.store.create(record);
    } catch (err) {
      return {
        status: 'blocked',
        blockedBy: 'approval',
        reason: Reason.approvalStoreError,
        message: `This call needs approval, but the approval could not be stored (${errorText(err)}). It did not run.`,
      };
    }
    this.recorder.approval(record, state);
    return { ...outcome, message: `${message} It has not run; it waits for approval ${ticket.id}.`, approval: ticket };
  }

  /**
   * The approval a resume may run under, after every check: it exists and is `approved`, its stored record still
   * matches its digest, and each expectation given matches it.
   */
  async load(id: string, expect: ResumeExpectation | undefined): Promise<LoadedApproval> {
    let record: ApprovalRecord | undefined;
    try {
      record = await this.store.get(id, this.clock.now());
    } catch (err) {
      return refuse(undefined, Reason.approvalStoreError, `The approval store failed: ${errorText(err)}`);
    }
    if (!record) return refuse(undefined, Reason.approvalNotFound, `No approval has id "${id}".`);
    if (record.status !== 'approved') {
      const [reason, message] = describeRefusal(record.status);
      return refuse(record, reason, message);
    }
    const caller = callerOf(record.context);
    const subject = { tool: record.tool, callId: record.callId, args: record.args, caller, bind: record.bind };
    if (approvalDigest(subject) !== record.digest) {
      return refuse(
        record,
        Reason.approvalArgsChanged,
        'The stored approval does not match what was approved; request approval again.',
      );
    }
    if (expect?.args !== undefined) {
      const parsed = parseArguments(expect.args);
      if (!parsed.ok || approvalDigest({ ...subject, args: parsed.args }) !== record.digest) {
        return refuse(
          record,
          Reason.approvalArgsChanged,
          'These arguments are not the ones that were approved; request approval again.',
        );
      }
    }
    if (expect?.context !== undefined && !sameJson(callerOf(expect.context), caller)) {
      return refuse(
        record,
        Reason.approvalCallerChanged,
        'This approval was made for another caller; it cannot be used by this one.',
      );
    }
    if (expect && 'bind' in expect && !sameJson(expect.bind ?? null, record.bind ?? null)) {
      return refuse(
        record,
        Reason.approvalBindingChanged,
        'This approval was made in another run or round; it cannot be used here.',
      );
    }
    return { ok: true, record };
  }

  /** Consumes the approval (single use, atomic). @returns `undefined` when it was consumed, else the refusal */
  async consume(id: string): Promise<Outcome | undefined> {
    try {
      const t = await this.store.consume(id, this.clock.now());
      if (t.ok) return undefined;
      const [reason, message] = describeRefusal(t.reason);
      return { status: 'blocked', blockedBy: 'approval', reason, message };
    } catch (err) {
      return {
        status: 'blocked',
        blockedBy: 'approval',
        reason: Reason.approvalStoreError,
        message: `The approval store failed: ${errorText(err)}`,
      };
    }
  }

  /**
   * Records a human's decision (with a quorum, maybe one approval of several: the record stays `pending`), then,
   * once it is final, tells the gates that asked (`onApprovalDecision`). Never throws.
   */
  async decide(
    id: string,
    status: 'approved' | 'denied',
    decision: ApprovalDecision,
    pipelineOf: (tool: string) => readonly PipelineStep[],
  ): Promise<ApprovalResponse> {
    if (!decision || typeof decision.by !== 'string' || decision.by === '') {
      return { ok: false, reason: Reason.invalidDecision, message: 'A decision needs `by`: who approved or denied.' };
    }
    if (decision.comment !== undefined && typeof decision.comment !== 'string') {
      return { ok: false, reason: Reason.invalidDecision, message: 'A decision’s `comment` must be a string.' };
    }
    let t: Awaited<ReturnType<ApprovalStore['decide']>>;
    try {
      const now = this.clock.now();
      const entry = {
        by: decision.by,
        status,
        at: now,
        ...(decision.comment === undefined ? {} : { comment: decision.comment }),
      };
      t = await this.store.decide(id, entry, now);
    } catch (err) {
      return { ok: false, reason: Reason.approvalStoreError, message: `The approval store failed: ${errorText(err)}` };
    }
    if (!t.ok) {
      const [reason, message] = describeRefusal(t.reason);
      return { ok: false, reason, message, approval: t.record };
    }
    const record = t.record;
    const warnings: string[] = [];
    const final = record.status !== 'pending';
    for (const { gate } of final ? pipelineOf(record.tool) : []) {
      if (!gate.onApprovalDecision || !record.gates.includes(gate.name)) continue;
      try {
        await gate.onApprovalDecision(record);
      } catch (err) {
        warnings.push(`${gate.name}.onApprovalDecision failed: ${errorText(err)}`);
      }
    }
    this.recorder.approval(record);
    return warnings.length ? { ok: true, approval: record, warnings } : { ok: true, approval: record };
  }

  get(id: string): Promise<ApprovalRecord | undefined> {
    return this.store.get(id, this.clock.now());
  }

  listPending(limit?: number): Promise<ApprovalRecord[]> {
    return this.store.listPending(this.clock.now(), limit);
  }
}

function refuse(record: ApprovalRecord | undefined, reason: string, message: string): LoadedApproval {
  return { ok: false, record, reason, message };
}

function sameJson(a: Caller | Json, b: Caller | Json): boolean {
  try {
    return canonicalJson(a) === canonicalJson(b);
  } catch {
    return false;
  }
}
