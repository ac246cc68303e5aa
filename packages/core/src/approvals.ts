import type { CallContext } from './context.js';
import type { Json } from './json.js';
import { Reason } from './reasons.js';

/** Lifecycle of a stored approval. */
export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'consumed' | 'expired';

/** A human's decision on an approval. */
export interface ApprovalDecision {
  /** Who decided (user id or e-mail). */
  by: string;
  comment?: string;
}

/**
 * Who must approve a call: `required` distinct people, from `approvers` when given, never the call's own actor
 * (four-eyes: "an approver cannot approve their own request"). Set by the gate that asks (a rule's `approvers`);
 * an approval without one needs one approval by anyone, the caller included.
 */
export interface ApprovalQuorum {
  /** How many distinct people must approve (integer ≥ 1). */
  required: number;
  /** Who may approve or deny (user ids or e-mails); absent: anyone but the call's actor. */
  approvers?: readonly string[];
}

/** One person's approval of a call that needs several ({@link ApprovalQuorum}). */
export interface ApprovalVote {
  /** Who approved. */
  by: string;
  comment?: string;
  /** ms since the epoch */
  at: number;
}

/** A stored approval: everything needed to resume the call later, in another process if need be. */
export interface ApprovalRecord {
  id: string;
  status: ApprovalStatus;
  tool: string;
  callId: string;
  args: Record<string, unknown>;
  /** {@link approvalDigest} of tool, call id, args, caller and `bind`. */
  digest: string;
  /** The serializable call context (actor, tenant, scopes…, and the trace id). */
  context: CallContext;
  /** The call's `bind` facts (see {@link CallContext.bind}), part of the digest. */
  bind?: Readonly<Record<string, Json>>;
  /** Gates that asked for approval; a resume re-runs every other gate. */
  gates: string[];
  reason: string;
  message?: string;
  /** Each asking gate's data, by gate name. */
  data: Record<string, Record<string, unknown> | undefined>;
  /** ms since the epoch */
  createdAt: number;
  /** ms since the epoch */
  expiresAt: number;
  /** The final decision; with a quorum, the approval that completed it (or the denial). */
  decision?: ApprovalDecision & { status: 'approved' | 'denied'; at: number };
  /** Who must approve, when a gate asked for more than one approval by anyone. */
  quorum?: ApprovalQuorum;
  /** With a quorum: the approvals given so far, in order; the record stays `pending` until `quorum.required`. */
  approvals?: ApprovalVote[];
  /** ms since the epoch, set when a resume consumed it. */
  consumedAt?: number;
}

/** Why a store refused a transition. */
export type ApprovalRefusal =
  | typeof Reason.approvalNotFound
  | typeof Reason.approvalExpired
  | typeof Reason.approvalAlreadyDecided
  | typeof Reason.approvalPending
  | typeof Reason.approvalDenied
  | typeof Reason.approvalConsumed
  | typeof Reason.approvalSelfApproval
  | typeof Reason.approvalNotApprover
  | typeof Reason.approvalDuplicateApprover;

/** The outcome of a store transition: the record after it, or why not. */
export type ApprovalTransition =
  | { ok: true; record: ApprovalRecord }
  | { ok: false; reason: ApprovalRefusal; record?: ApprovalRecord };

/**
 * Where pending approvals live. Implementations must make {@link decide} and {@link consume} atomic
 * (exactly one caller wins), and treat a record past `expiresAt` as expired whatever its status, except
 * `consumed`. The in-memory store serves one process; `@tollgate/approvals-redis` serves several.
 */
export interface ApprovalStore {
  /** Saves a new `pending` record. */
  create(record: ApprovalRecord): Promise<void>;
  /** The record, or `undefined`; a record past its expiry reads as `expired`. */
  get(id: string, now: number): Promise<ApprovalRecord | undefined>;
  /**
   * `pending` → `approved` | `denied`, once, by {@link applyDecision}'s rules: with a quorum, an approval short of
   * `required` is added to `approvals` and the record stays `pending`. Atomic: of two approvers at once, each
   * approval counts and exactly one call turns the record `approved`.
   */
  decide(id: string, decision: NonNullable<ApprovalRecord['decision']>, now: number): Promise<ApprovalTransition>;
  /** `approved` → `consumed`, once: the single use that lets the call run. */
  consume(id: string, now: number): Promise<ApprovalTransition>;
  /** Pending (undecided, unexpired) approvals, oldest first, at most `limit` (default 100). */
  listPending(now: number, limit?: number): Promise<ApprovalRecord[]>;
}

/** The state a record is in at `now`: a live record past `expiresAt` is `expired`. */
export function effectiveStatus(record: ApprovalRecord, now: number): ApprovalRecord['status'] {
  if (record.status === 'consumed' || record.status === 'denied') return record.status;
  return now >= record.expiresAt ? 'expired' : record.status;
}

/** The transition rules every store shares; `undefined` means the transition is allowed. */
export function refuseDecide(record: ApprovalRecord | undefined, now: number): ApprovalRefusal | undefined {
  if (!record) return Reason.approvalNotFound;
  const status = effectiveStatus(record, now);
  if (status === 'expired') return Reason.approvalExpired;
  return status === 'pending' ? undefined : Reason.approvalAlreadyDecided;
}

/**
 * The record after one person's decision, or why it is refused: the rule every store applies inside its atomic
 * `decide`. Without a quorum, the first decision is final. With one, the decider must be one of
 * `quorum.approvers` (when listed; `approval_not_approver`), an approval must not come from the call's actor
 * (`approval_self_approval`) nor from someone who already approved (`approval_duplicate_approver`), and the record
 * turns `approved` with the `required`-th distinct approval; one denial by an allowed approver denies it.
 */
export function applyDecision(
  record: ApprovalRecord | undefined,
  decision: NonNullable<ApprovalRecord['decision']>,
  now: number,
): ApprovalTransition {
  const refusal = refuseDecide(record, now);
  if (refusal || !record) return { ok: false, reason: refusal ?? Reason.approvalNotFound };
  const quorum = record.quorum;
  if (!quorum) return { ok: true, record: { ...record, status: decision.status, decision: { ...decision } } };
  const view = { ...record, status: effectiveStatus(record, now) };
  if (quorum.approvers && !quorum.approvers.includes(decision.by)) {
    return { ok: false, reason: Reason.approvalNotApprover, record: view };
  }
  if (decision.status === 'denied')
    return { ok: true, record: { ...record, status: 'denied', decision: { ...decision } } };
  if (decision.by === record.context.actor) return { ok: false, reason: Reason.approvalSelfApproval, record: view };
  const approvals = record.approvals ?? [];
  if (approvals.some((a) => a.by === decision.by)) {
    return { ok: false, reason: Reason.approvalDuplicateApprover, record: view };
  }
  const vote: ApprovalVote = { by: decision.by, at: decision.at };
  if (decision.comment !== undefined) vote.comment = decision.comment;
  const next: ApprovalRecord = { ...record, approvals: [...approvals, vote] };
  if (next.approvals!.length >= quorum.required) {
    next.status = 'approved';
    next.decision = { ...decision };
  }
  return { ok: true, record: next };
}

/**
 * The strictest of several gates' quorums: the most approvals any asks for, from the approvers every list allows.
 * `undefined` when none asks for one.
 */
export function mergeQuorums(quorums: readonly (ApprovalQuorum | undefined)[]): ApprovalQuorum | undefined {
  let merged: ApprovalQuorum | undefined;
  for (const q of quorums) {
    if (!q) continue;
    const approvers =
      merged?.approvers && q.approvers
        ? merged.approvers.filter((a) => q.approvers!.includes(a))
        : (q.approvers ?? merged?.approvers);
    merged = { required: Math.max(merged?.required ?? 1, q.required) };
    if (approvers) merged.approvers = [...approvers];
  }
  return merged;
}

/** Why `value` is not a usable {@link ApprovalQuorum}, or `undefined` when it is. */
export function quorumProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'must be an object { required, approvers? }';
  const q = value as Partial<ApprovalQuorum>;
  if (!Number.isSafeInteger(q.required) || (q.required as number) < 1) return '`required` must be an integer ≥ 1';
  if (q.approvers === undefined) return undefined;
  if (!Array.isArray(q.approvers) || !q.approvers.every((a) => typeof a === 'string' && a !== '')) {
    return '`approvers` must be an array of non-empty strings';
  }
  if (new Set(q.approvers).size < (q.required as number)) {
    return `\`approvers\` names fewer than the ${q.required} distinct people \`required\``;
  }
  return undefined;
}

/** @see refuseDecide */
export function refuseConsume(record: ApprovalRecord | undefined, now: number): ApprovalRefusal | undefined {
  if (!record) return Reason.approvalNotFound;
  switch (effectiveStatus(record, now)) {
    case 'approved':
      return undefined;
    case 'pending':
      return Reason.approvalPending;
    case 'denied':
      return Reason.approvalDenied;
    case 'consumed':
      return Reason.approvalConsumed;
    default:
      return Reason.approvalExpired;
  }
}

/** Options for {@link MemoryApprovalStore}. */
export interface MemoryApprovalStoreOptions {
  /** How long a record is kept after it expires, so late resumes get `approval_expired` rather than `not_found` (ms, default 1 hour). */
  retainMs?: number;
}

/**
 * Approvals in this process's memory: lost on restart, not shared. Records are copied in and out,
 * so a caller cannot edit a stored approval. Expired records are swept after `retainMs`.
 */
export class MemoryApprovalStore implements ApprovalStore {
  private readonly records = new Map<string, ApprovalRecord>();
  private readonly retainMs: number;
  private writes = 0;

  constructor(options: MemoryApprovalStoreOptions = {}) {
    this.retainMs = options.retainMs ?? 3_600_000;
  }

  async create(record: ApprovalRecord): Promise<void> {
    if (this.records.has(record.id)) throw new Error(`approval ${record.id} exists`);
    this.records.set(record.id, structuredClone(record));
    if (++this.writes % 256 === 0) this.sweep(record.createdAt);
  }

  async get(id: string, now: number): Promise<ApprovalRecord | undefined> {
    const record = this.records.get(id);
    return record && { ...structuredClone(record), status: effectiveStatus(record, now) };
  }

  async decide(
    id: string,
    decision: NonNullable<ApprovalRecord['decision']>,
    now: number,
  ): Promise<ApprovalTransition> {
    // Synchronous from read to write: atomic within this process.
    const t = applyDecision(this.records.get(id), decision, now);
    if (t.ok) this.records.set(id, structuredClone(t.record));
    return structuredClone(t);
  }

  async consume(id: string, now: number): Promise<ApprovalTransition> {
    const record = this.records.get(id);
    const refusal = refuseConsume(record, now);
    if (refusal || !record) return { ok: false, reason: refusal ?? Reason.approvalNotFound };
    record.status = 'consumed';
    record.consumedAt = now;
    return { ok: true, record: structuredClone(record) };
  }

  async listPending(now: number, limit = 100): Promise<ApprovalRecord[]> {
    const out: ApprovalRecord[] = [];
    for (const record of this.records.values()) {
      if (out.length >= limit) break;
      if (effectiveStatus(record, now) === 'pending') out.push(structuredClone(record));
    }
    return out;
  }

  /** Number of records held (pending, decided, or expired but retained). */
  get size(): number {
    return this.records.size;
  }

  private sweep(now: number): void {
    for (const [id, record] of this.records) {
      if (record.expiresAt + this.retainMs < now) this.records.delete(id);
    }
  }
}

/** A refusal's reason code and a message for the model; accepts store statuses and refusal codes alike. */
export function describeRefusal(reason: string): [string, string] {
  switch (reason) {
    case 'pending':
    case Reason.approvalPending:
      return [Reason.approvalPending, 'This call is still waiting for a human decision; it has not run.'];
    case 'denied':
    case Reason.approvalDenied:
      return [Reason.approvalDenied, 'A human denied this call. Do not retry it; ask the user how to proceed.'];
    case 'consumed':
    case Reason.approvalConsumed:
      return [Reason.approvalConsumed, 'This approval was already used; an approval runs its call once.'];
    case 'expired':
    case Reason.approvalExpired:
      return [Reason.approvalExpired, 'The approval expired before it was used, which counts as denied.'];
    case Reason.approvalAlreadyDecided:
      return [Reason.approvalAlreadyDecided, 'This approval was already decided.'];
    case Reason.approvalNotFound:
      return [Reason.approvalNotFound, 'No such approval.'];
    case Reason.approvalSelfApproval:
      return [Reason.approvalSelfApproval, 'The caller of this call cannot approve it; another person must.'];
    case Reason.approvalNotApprover:
      return [Reason.approvalNotApprover, 'This person is not one of the approvers this call names.'];
    case Reason.approvalDuplicateApprover:
      return [Reason.approvalDuplicateApprover, 'This person already approved this call; another approver is needed.'];
    default:
      return [reason, `The approval cannot be used (${reason}).`];
  }
}
