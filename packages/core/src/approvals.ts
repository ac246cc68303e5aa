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
  decision?: ApprovalDecision & { status: 'approved' | 'denied'; at: number };
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
  | typeof Reason.approvalConsumed;

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
  /** `pending` → `approved` | `denied`, once. */
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
    const record = this.records.get(id);
    const refusal = refuseDecide(record, now);
    if (refusal || !record) return { ok: false, reason: refusal ?? Reason.approvalNotFound };
    record.status = decision.status;
    record.decision = { ...decision };
    return { ok: true, record: structuredClone(record) };
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
    default:
      return [reason, `The approval cannot be used (${reason}).`];
  }
}
