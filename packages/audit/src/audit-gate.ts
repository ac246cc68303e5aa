import {
  type ApprovalRecord,
  errorText,
  type FailMode,
  type Gate,
  type GateContext,
  type GateResult,
  type GateVerdict,
  UnavailableError,
} from '@tollgate/core';
import {
  type AuditEntry,
  type AuditKind,
  type AuditRecord,
  approvalEntry,
  type EntryOptions,
  intentEntry,
  outcomeEntry,
} from './record.js';
import { Redactor, type RedactorOptions } from './redact.js';
import type { AuditSink } from './sinks/sink.js';

/** Options for {@link AuditGate}. */
export interface AuditGateOptions {
  /** Where records go. The sink owns the hash chain; share one sink between gates to share one chain. */
  sink: AuditSink;
  /** Gate name in decisions (default `audit`). */
  name?: string;
  /** Write an intent record right before the handler runs (default false). */
  writeAhead?: boolean;
  /**
   * With `writeAhead`, when the intent record cannot be written: `'closed'` (default) blocks the call with
   * `store_unavailable`, so no action runs unaudited; `'open'` lets it run, recording the failure on its decision.
   */
  failMode?: FailMode;
  /** A {@link Redactor}, or options for one (default: mask the default keys and patterns). */
  redact?: Redactor | RedactorOptions;
  /** Longest JSON text kept for args, results and decision data; longer ones are truncated (default 4096 chars). */
  maxValueChars?: number;
  /**
   * Who writes these records, e.g. `payments-api@host-3`: written as every record's `recordedBy`, inside the
   * hash chain (auditgate's `recorded_by`). Absent: records carry no `recordedBy`.
   */
  recordedBy?: string;
  /** Told of every sink failure; its own errors are ignored. */
  onError?: (error: unknown, info: AuditFailureInfo) => void;
}

/** Which record a sink failed to write. */
export interface AuditFailureInfo {
  /** The record that failed: `intent`, `outcome` or `approval`. */
  kind: AuditKind;
  /** The call it was for. */
  callId: string;
  /** The tool called. */
  tool: string;
}

/** What an {@link AuditGate} wrote and failed to write since it was created. */
export interface AuditStats {
  /** Intent records written. */
  intents: number;
  /** Outcome records written. */
  outcomes: number;
  /** Approval-decision records written ({@link AuditGate.recordApproval}). */
  approvals: number;
  /** Records a sink failed to write. */
  failures: number;
  /** The latest failure's message. */
  lastError?: string;
}

/**
 * The audit stage: writes an outcome record for every call (blocked at any stage, waiting for approval,
 * resumed, executed, failed) through `record`, and with `writeAhead` an intent record from `beforeExecute`, which
 * the runner calls only when the call is about to run (never for a call that waits for approval or is blocked).
 * Both records share the call id. Register it on the runner (`gates`), not per tool, so unknown-tool calls are
 * recorded too.
 *
 * A sink failure never crashes the process: it is counted ({@link AuditGate.stats}), passed to `onError`, and
 * rethrown from `record` so the runner lists it in the result's `warnings`. A failed intent record throws core's
 * `UnavailableError`, which the runner maps by `failMode`: blocked (closed, the default) or run (open).
 */
export class AuditGate implements Gate {
  /** Name in decisions and warnings (default `audit`). */
  readonly name: string;
  /** Always `audit`: the last stage before the handler. */
  readonly stage = 'audit' as const;
  /** What a failed intent record does (default `'closed'`: the call does not run). */
  readonly failMode: FailMode;
  /** Present only with `writeAhead`, so a plain audit gate adds no decision to every call. */
  readonly beforeExecute?: (ctx: GateContext) => Promise<GateVerdict>;
  private readonly sink: AuditSink;
  private readonly redactor: Redactor;
  private readonly maxValueChars: number;
  private readonly recordedBy: string | undefined;
  private readonly onError: AuditGateOptions['onError'];
  private readonly counts: AuditStats = { intents: 0, outcomes: 0, approvals: 0, failures: 0 };

  /** @throws TypeError without a sink, for a `maxValueChars` below 64, or a `recordedBy` that is not a non-empty string */
  constructor(options: AuditGateOptions) {
    if (!options?.sink || typeof options.sink.append !== 'function') {
      throw new TypeError('AuditGate needs a sink with an append() method');
    }
    this.name = options.name ?? 'audit';
    this.sink = options.sink;
    this.failMode = options.failMode ?? 'closed';
    this.redactor = options.redact instanceof Redactor ? options.redact : new Redactor(options.redact);
    this.maxValueChars = options.maxValueChars ?? 4096;
    if (!Number.isSafeInteger(this.maxValueChars) || this.maxValueChars < 64) {
      throw new TypeError('AuditGate: maxValueChars must be an integer >= 64');
    }
    if (options.recordedBy !== undefined && (typeof options.recordedBy !== 'string' || options.recordedBy === '')) {
      throw new TypeError('AuditGate: recordedBy must be a non-empty string');
    }
    this.recordedBy = options.recordedBy;
    this.onError = options.onError;
    if (options.writeAhead) this.beforeExecute = (ctx) => this.writeIntent(ctx);
  }

  /** Records the final result of a call. Rejects (after counting and `onError`) when the sink failed. */
  async record(result: GateResult, ctx: GateContext): Promise<void> {
    const error = await this.write('outcome', ctx, () => this.append(outcomeEntry(result, ctx, this.entryOptions())));
    if (error !== undefined) throw new Error(`audit sink failed to write the outcome record: ${error}`);
  }

  /**
   * Records a person's decision on an approval (an `approval` record: who, what, their comment), for a reviewer's
   * console or any code that calls `runner.approve`/`deny`: pass the answer's record and what this person said.
   * The runner does not call it; wire it where decisions are taken. Rejects (after counting and `onError`) when
   * the sink failed, so the caller can tell the reviewer the decision stands but is not on record.
   * @returns the sealed record
   */
  async recordApproval(
    approval: ApprovalRecord,
    decision: { by: string; said: 'approved' | 'denied'; comment?: string },
    now: number = Date.now(),
  ): Promise<AuditRecord> {
    const site = { callId: approval.callId, tool: approval.tool };
    let sealed: AuditRecord | undefined;
    const error = await this.write('approval', site, async () => {
      sealed = await this.sink.append(approvalEntry(approval, decision, now, this.entryOptions()));
    });
    if (error !== undefined || !sealed) {
      throw new Error(`audit sink failed to write the approval record: ${error ?? 'no record'}`);
    }
    return sealed;
  }

  /** Counts so far: records written per kind, and sink failures. */
  stats(): AuditStats {
    return { ...this.counts };
  }

  private async writeIntent(ctx: GateContext): Promise<GateVerdict> {
    const error = await this.write('intent', ctx, () => this.append(intentEntry(ctx, this.entryOptions())));
    if (error !== undefined) throw new UnavailableError('the audit log', { cause: new Error(error) });
    return { outcome: 'allow', reason: 'ok' };
  }

  /**
   * Builds and appends a record; returns the redacted error message on failure, after counting and reporting
   * it. Building is inside the try: a result that cannot be serialized is a failure to audit, not a crash.
   */
  private async write(
    kind: AuditKind,
    site: { callId: string; tool: string },
    store: () => Promise<unknown>,
  ): Promise<string | undefined> {
    try {
      await store();
      this.counts[kind === 'intent' ? 'intents' : kind === 'outcome' ? 'outcomes' : 'approvals']++;
      return undefined;
    } catch (err) {
      const message = this.redactor.redactString(errorText(err));
      this.counts.failures++;
      this.counts.lastError = message;
      try {
        this.onError?.(err, { kind, callId: site.callId, tool: site.tool });
      } catch {
        // The callback's own failure must not turn an audit failure into a crash.
      }
      return message;
    }
  }

  private async append(entry: AuditEntry): Promise<void> {
    await this.sink.append(entry);
  }

  private entryOptions(): EntryOptions {
    const options: EntryOptions = { redactor: this.redactor, maxValueChars: this.maxValueChars };
    if (this.recordedBy !== undefined) options.recordedBy = this.recordedBy;
    return options;
  }
}
