import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Ajv, ValidateFunction } from 'ajv';
import { type ApprovalStore, describeRefusal, MemoryApprovalStore } from './approvals.js';
import { approvalDigest } from './digest.js';
import { errorName, errorText } from './errors.js';
import type { DecisionEvent, DecisionListener } from './events.js';
import { assertGate, evaluateGate, orderPipeline, toDecision, validateToolOptions } from './gates.js';
import { newId } from './ids.js';
import { Reason } from './reasons.js';
import {
  type ApprovalDecision,
  type ApprovalRecord,
  type ApprovalTicket,
  type CallContext,
  type Clock,
  type Gate,
  type GateDecision,
  type GateResult,
  type HandlerContext,
  type Reservation,
  type SettleInfo,
  systemClock,
  type ToolDefinition,
} from './types.js';
import { compileSchema, createAjv, formatSchemaErrors, parseArguments } from './validation.js';

/** Options for {@link GatedToolRunner}. */
export interface RunnerOptions {
  /** Tools to register at once (same as calling `register` for each). */
  tools?: readonly ToolDefinition[];
  /** Gates for every tool, in any order: the runner orders them by stage. */
  gates?: readonly Gate[];
  /** Where pending approvals live (default: a {@link MemoryApprovalStore}). */
  approvals?: ApprovalStore;
  /** How long an approval stays usable, from its creation (ms > 0, default 15 minutes). */
  approvalTtlMs?: number;
  /** Charge reservations when a handler throws (default false: a failed call holds nothing). */
  chargeOnError?: boolean;
  /**
   * How long `call()` waits for each gate's `record` (an audit write) before returning with a warning that the
   * record is unconfirmed (ms, default 30,000). A sink that hangs cannot hang the agent; the write goes on.
   */
  recordTimeoutMs?: number;
  /** Time source for gates, approvals and records (default `Date.now`). */
  clock?: Clock;
  /** An ajv instance to compile tool schemas with (default: strict, all errors, ajv-formats). */
  ajv?: Ajv;
  /** A listener for every decision, result and approval event. */
  onDecision?: DecisionListener;
}

/** The answer to `approve` and `deny`. */
export type ApprovalResponse =
  | { ok: true; approval: ApprovalRecord; warnings?: string[] }
  | { ok: false; reason: string; message: string; approval?: ApprovalRecord };

/** Options for {@link GatedToolRunner.resume}. */
export interface ResumeOptions {
  /** The arguments the caller believes were approved; refused with `approval_args_changed` if they differ. */
  args?: unknown;
}

interface Registered {
  definition: ToolDefinition;
  validate: ValidateFunction;
  pipeline: Gate[];
}

interface RunMode {
  dryRun: boolean;
  /** Set on resume: gates that asked for the approval being used, and the approval to consume. */
  approval?: ApprovalRecord;
}

/** Mutable state of one call while it moves through the pipeline. */
interface CallState {
  tool: string;
  callId: string;
  traceId: string;
  startedAt: number;
  t0: number;
  gatesMs: number;
  handlerMs: number;
  decisions: GateDecision[];
  warnings: string[];
  /** One object for gates and handler; gates see it as a GateContext. */
  ctx: HandlerContext;
  /** What the handler reported with `ctx.report`, created on first use. */
  reported: Record<string, unknown> | undefined;
  pipeline: readonly Gate[];
  resumedFrom?: string;
}

/**
 * Runs tool calls through a fixed pipeline of gates: validation, rate, budget, rule, decision, execute,
 * audit, whatever order the gates are given in. The first block stops the pipeline, and what earlier gates
 * reserved is released. Every call ends as one {@link GateResult}; `call`, `check` and `resume` never throw.
 */
export class GatedToolRunner {
  private readonly registry = new Map<string, Registered>();
  private readonly gates: Gate[] = [];
  private readonly listeners = new Set<DecisionListener>();
  private readonly ajv: Ajv;
  private readonly store: ApprovalStore;
  private readonly approvalTtlMs: number;
  private readonly chargeOnError: boolean;
  private readonly recordTimeoutMs: number;
  /** The runner's clock, shared with gates through the context. */
  readonly clock: Clock;
  private seq = 0;

  /** @throws {TypeError} for an `approvalTtlMs` that is not a positive number, and as {@link use} and {@link register} */
  constructor(options: RunnerOptions = {}) {
    this.ajv = options.ajv ?? createAjv();
    this.store = options.approvals ?? new MemoryApprovalStore();
    this.approvalTtlMs = options.approvalTtlMs ?? 15 * 60_000;
    // NaN would make `now >= expiresAt` never true: approvals that never expire.
    if (!Number.isFinite(this.approvalTtlMs) || this.approvalTtlMs <= 0) {
      throw new TypeError(`approvalTtlMs must be a positive number of ms, got ${this.approvalTtlMs}`);
    }
    this.chargeOnError = options.chargeOnError ?? false;
    this.recordTimeoutMs = options.recordTimeoutMs ?? 30_000;
    if (!Number.isFinite(this.recordTimeoutMs) || this.recordTimeoutMs <= 0) {
      throw new TypeError(`recordTimeoutMs must be a positive number of ms, got ${this.recordTimeoutMs}`);
    }
    this.clock = options.clock ?? systemClock;
    if (options.onDecision) this.listeners.add(options.onDecision);
    for (const gate of options.gates ?? []) this.use(gate);
    for (const tool of options.tools ?? []) this.register(tool);
  }

  /**
   * Adds a gate for every tool. Throws `TypeError` for a gate without a known stage, or a name already used.
   * @returns this runner, for chaining
   */
  use(gate: Gate): this {
    assertGate(gate);
    if (this.gates.some((g) => g.name === gate.name))
      throw new TypeError(`A gate named "${gate.name}" is already used`);
    for (const entry of this.registry.values()) validateToolOptions([gate], entry.definition);
    this.gates.push(gate);
    for (const entry of this.registry.values()) entry.pipeline = this.pipelineFor(entry.definition);
    return this;
  }

  /**
   * Registers a tool and compiles its schema once. Throws `TypeError` for a duplicate name or an invalid
   * schema: configuration errors surface at start-up, never at call time.
   */
  register<A, R>(definition: ToolDefinition<A, R>): this {
    if (!definition || typeof definition.name !== 'string' || definition.name === '') {
      throw new TypeError('A tool needs a non-empty name');
    }
    if (this.registry.has(definition.name)) throw new TypeError(`Tool "${definition.name}" is already registered`);
    if (typeof definition.handler !== 'function') throw new TypeError(`Tool "${definition.name}" needs a handler`);
    for (const gate of definition.use ?? []) assertGate(gate);
    const validate = compileSchema(this.ajv, definition.name, definition.parameters ?? { type: 'object' });
    const pipeline = this.pipelineFor(definition);
    validateToolOptions(pipeline, definition);
    this.registry.set(definition.name, { definition, validate, pipeline });
    return this;
  }

  /** The registered tools, in registration order (the OpenAI adapter turns these into tool schemas). */
  tools(): ToolDefinition[] {
    return [...this.registry.values()].map((r) => r.definition);
  }

  /** Subscribes to decision, result and approval events. @returns a function that unsubscribes */
  onDecision(listener: DecisionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Runs one tool call through the pipeline and, if every gate allows, the handler.
   * @param name tool name as the model sent it
   * @param args a JSON string (as both OpenAI APIs send) or an object
   * @param context who calls, and the model's call id
   * @returns the call's {@link GateResult}; never throws
   */
  async call(name: string, args: unknown, context?: CallContext): Promise<GateResult> {
    // `?? {}`, not a default parameter: plain-JS callers pass null too, and call() must not throw.
    const c = context ?? {};
    return this.guard(name, c, false, () => this.run(name, args, c, { dryRun: false }));
  }

  /** A dry run: evaluates every gate and returns what would happen, executing, consuming and reserving nothing. */
  async check(name: string, args: unknown, context?: CallContext): Promise<GateResult> {
    const c = context ?? {};
    return this.guard(name, c, true, () => this.run(name, args, c, { dryRun: true }));
  }

  /** Approves a pending approval. Refused (never thrown) when it is unknown, expired or already decided. */
  approve(id: string, decision: ApprovalDecision): Promise<ApprovalResponse> {
    return this.decide(id, 'approved', decision);
  }

  /** Denies a pending approval; a later `resume` returns `approval_denied`. */
  deny(id: string, decision: ApprovalDecision): Promise<ApprovalResponse> {
    return this.decide(id, 'denied', decision);
  }

  /** The stored approval, as of now (a pending one past expiry reads `expired`). */
  async getApproval(id: string): Promise<ApprovalRecord | undefined> {
    return this.store.get(id, this.clock.now());
  }

  /** Approvals awaiting a human, oldest first. */
  async pendingApprovals(limit?: number): Promise<ApprovalRecord[]> {
    return this.store.listPending(this.clock.now(), limit);
  }

  /**
   * Runs an approved call: re-validates the stored arguments, re-runs every gate except those that asked for
   * the approval, consumes the approval (single use, atomic) and executes exactly once.
   * Refused with `approval_pending`, `approval_denied`, `approval_expired`, `approval_consumed`,
   * `approval_not_found` or `approval_args_changed` (arguments whose digest differs from the approved ones).
   */
  async resume(id: string, options: ResumeOptions = {}): Promise<GateResult> {
    let record: ApprovalRecord | undefined;
    try {
      record = await this.store.get(id, this.clock.now());
    } catch (err) {
      return this.refuseResume(
        id,
        undefined,
        Reason.approvalStoreError,
        `The approval store failed: ${errorText(err)}`,
      );
    }
    const context = { ...record?.context, callId: record?.callId };
    return this.guard(record?.tool ?? '', context, false, async () => {
      if (!record) return this.refuseResume(id, undefined, Reason.approvalNotFound, `No approval has id "${id}".`);
      const status = record.status;
      if (status !== 'approved') {
        const [reason, message] = describeRefusal(status);
        return this.refuseResume(id, record, reason, message);
      }
      const stored = approvalDigest(record.tool, record.callId, record.args);
      let presented = stored;
      if (options.args !== undefined) {
        const parsed = parseArguments(options.args);
        presented = parsed.ok ? approvalDigest(record.tool, record.callId, parsed.args) : '';
      }
      if (stored !== record.digest || presented !== record.digest) {
        return this.refuseResume(
          id,
          record,
          Reason.approvalArgsChanged,
          'These arguments are not the ones that were approved; request approval again.',
        );
      }
      return this.run(record.tool, record.args, context, { dryRun: false, approval: record });
    });
  }

  // ——— internals ———

  private pipelineFor(definition: ToolDefinition): Gate[] {
    return orderPipeline(this.gates, definition);
  }

  /** Last line of defence: whatever escapes becomes a blocked result, never a throw. */
  private async guard(
    tool: string,
    context: CallContext,
    dryRun: boolean,
    body: () => Promise<GateResult>,
  ): Promise<GateResult> {
    try {
      return await body();
    } catch (err) {
      // A dry run stays one: marked dryRun, and not handed to audit's record().
      const state = this.begin(tool, context, {}, undefined, dryRun);
      return this.finish(state, {
        status: 'blocked',
        blockedBy: 'runner',
        reason: Reason.gateError,
        message: `The call failed inside tollgate: ${errorText(err)}. It did not run.`,
      });
    }
  }

  private begin(
    tool: string,
    context: CallContext,
    args: Record<string, unknown>,
    definition: ToolDefinition | undefined,
    dryRun: boolean,
    pipeline: readonly Gate[] = this.gates,
  ): CallState {
    const callId = context.callId ?? newId('call');
    const traceId = context.traceId ?? newId('trace');
    const ctx: HandlerContext = {
      tool,
      args,
      callId,
      actor: context.actor,
      tenant: context.tenant,
      session: context.session,
      // Arrays only: gates test membership with includes(), which on a string would match substrings.
      scopes: Array.isArray(context.scopes) ? context.scopes : [],
      roles: Array.isArray(context.roles) ? context.roles : [],
      metadata: context.metadata ?? {},
      traceId,
      clock: this.clock,
      dryRun,
      definition,
      report(key, value) {
        state.reported ??= Object.create(null) as Record<string, unknown>;
        state.reported[key] = value;
      },
    };
    const state: CallState = {
      tool,
      callId,
      traceId,
      startedAt: this.clock.now(),
      t0: performance.now(),
      gatesMs: 0,
      handlerMs: 0,
      decisions: [],
      warnings: [],
      ctx,
      reported: undefined,
      pipeline,
    };
    return state;
  }

  private async run(name: string, rawArgs: unknown, context: CallContext, mode: RunMode): Promise<GateResult> {
    const entry = this.registry.get(name);
    if (!entry) {
      const state = this.begin(name, context, {}, undefined, mode.dryRun);
      const known = [...this.registry.keys()];
      return this.finish(state, {
        status: 'blocked',
        blockedBy: 'registry',
        reason: Reason.unknownTool,
        message: `Unknown tool "${String(name)}". Available tools: ${known.length ? known.join(', ') : '(none)'}.`,
      });
    }
    const parsed = parseArguments(rawArgs);
    const args = parsed.ok ? parsed.args : {};
    const state = this.begin(name, context, args, entry.definition, mode.dryRun, entry.pipeline);
    if (mode.approval) state.resumedFrom = mode.approval.id;
    if (!parsed.ok) return this.blockValidation(state, parsed.reason, parsed.message);
    if (!entry.validate(args)) {
      return this.blockValidation(
        state,
        Reason.invalidArguments,
        `Invalid arguments for ${name}: ${formatSchemaErrors(entry.validate.errors)}. Fix these and call again.`,
      );
    }
    this.pushDecision(state, { outcome: 'allow', gate: 'validation', stage: 'validation', reason: Reason.ok });

    // Pre-execution gates. A require_approval does not stop the walk: a later block must still win,
    // but nothing after it may take effect, so reservations are released before the approval is stored.
    const reservations: Reservation[] = [];
    const askers: { gate: Gate; decision: GateDecision }[] = [];
    const tg = performance.now();
    for (const gate of entry.pipeline) {
      if (!gate.check) continue;
      if (mode.approval?.gates.includes(gate.name)) {
        this.pushDecision(state, {
          outcome: 'allow',
          gate: gate.name,
          stage: gate.stage,
          reason: 'approved',
          message: 'A human approved this call.',
          data: { approvalId: mode.approval.id, by: mode.approval.decision?.by },
        });
        continue;
      }
      // Once a gate asked for approval, audit's write-ahead intent would record a call that is not about to run.
      if (askers.length > 0 && gate.stage === 'audit') continue;
      let verdict = evaluateGate(gate, state.ctx, entry.definition.gates?.[gate.name]);
      if (verdict instanceof Promise) verdict = await verdict;
      const decision = toDecision(gate, verdict);
      this.pushDecision(state, decision);
      if (verdict.reservation) reservations.push(verdict.reservation);
      if (decision.outcome === 'block') {
        state.gatesMs += performance.now() - tg;
        await this.settle(state, reservations, 'release', { status: 'blocked', reported: {} });
        return this.finish(state, {
          status: 'blocked',
          blockedBy: gate.name,
          reason: decision.reason,
          message: decision.message ?? `Blocked by ${gate.name} (${decision.reason}).`,
          retryAfterMs: decision.retryAfterMs,
        });
      }
      if (decision.outcome === 'require_approval') askers.push({ gate, decision });
    }
    state.gatesMs += performance.now() - tg;

    if (askers.length > 0) {
      await this.settle(state, reservations, 'release', { status: 'approval_required', reported: {} });
      return this.requireApproval(state, context, args, askers, mode.dryRun);
    }
    if (mode.dryRun) {
      await this.settle(state, reservations, 'release', { status: 'allowed', reported: {} });
      return this.finish(state, {
        status: 'allowed',
        reason: Reason.allowed,
        message: 'Every gate allows this call (dry run: nothing was executed or reserved).',
      });
    }
    if (mode.approval) {
      const consumed = await this.consume(mode.approval.id);
      if (!consumed.ok) {
        await this.settle(state, reservations, 'release', { status: 'blocked', reported: {} });
        return this.finish(state, { status: 'blocked', blockedBy: 'approval', ...consumed.refusal });
      }
    }
    return this.execute(state, entry.definition, args, reservations);
  }

  private blockValidation(state: CallState, reason: string, message: string): Promise<GateResult> {
    this.pushDecision(state, { outcome: 'block', gate: 'validation', stage: 'validation', reason, message });
    return this.finish(state, { status: 'blocked', blockedBy: 'validation', reason, message });
  }

  private async execute(
    state: CallState,
    definition: ToolDefinition,
    args: Record<string, unknown>,
    reservations: Reservation[],
  ): Promise<GateResult> {
    const th = performance.now();
    try {
      const result = await definition.handler(args, state.ctx);
      state.handlerMs = performance.now() - th;
      const reported = state.reported ?? {};
      await this.settle(state, reservations, 'commit', { status: 'executed', result, reported });
      return this.finish(state, { status: 'executed', result, reason: Reason.executed, message: 'Executed.' });
    } catch (err) {
      state.handlerMs = performance.now() - th;
      const reported = state.reported ?? {};
      const error = { name: errorName(err), message: errorText(err) };
      const charge = definition.chargeOnError ?? this.chargeOnError;
      await this.settle(state, reservations, charge ? 'commit' : 'release', { status: 'tool_error', error, reported });
      return this.finish(state, {
        status: 'tool_error',
        error,
        reason: Reason.toolError,
        message: `The tool failed: ${error.name}: ${error.message}`,
      });
    }
  }

  private async requireApproval(
    state: CallState,
    context: CallContext,
    args: Record<string, unknown>,
    askers: { gate: Gate; decision: GateDecision }[],
    dryRun: boolean,
  ): Promise<GateResult> {
    const first = askers[0]!.decision;
    const now = this.clock.now();
    const data = Object.fromEntries(askers.map((a) => [a.gate.name, a.decision.data]));
    const ticket: ApprovalTicket = {
      id: `apr_${randomUUID()}`,
      gates: askers.map((a) => a.gate.name),
      reason: first.reason,
      message: first.message,
      expiresAt: now + this.approvalTtlMs,
      digest: approvalDigest(state.tool, state.callId, args),
      data,
    };
    const message = first.message ?? 'This call needs a human approval before it can run.';
    const outcome = {
      status: 'approval_required' as const,
      blockedBy: first.gate,
      reason: first.reason,
      message: `${message} It has not run; it waits for approval ${ticket.id}.`,
    };
    if (dryRun) return this.finish(state, { ...outcome, message });
    const record: ApprovalRecord = {
      id: ticket.id,
      status: 'pending',
      tool: state.tool,
      callId: state.callId,
      args,
      digest: ticket.digest,
      context: { ...serializableContext(context), traceId: state.traceId },
      gates: ticket.gates,
      reason: ticket.reason,
      message: ticket.message,
      data,
      createdAt: now,
      expiresAt: ticket.expiresAt,
    };
    try {
      await this.store.create(record);
    } catch (err) {
      return this.finish(state, {
        status: 'blocked',
        blockedBy: 'approval',
        reason: Reason.approvalStoreError,
        message: `This call needs approval, but the approval could not be stored (${errorText(err)}). It did not run.`,
      });
    }
    this.emit({ type: 'approval', ...this.ids(state), approval: record });
    return this.finish(state, { ...outcome, approval: ticket });
  }

  private async consume(
    id: string,
  ): Promise<{ ok: true } | { ok: false; refusal: { reason: string; message: string } }> {
    try {
      const t = await this.store.consume(id, this.clock.now());
      if (t.ok) return { ok: true };
      const [reason, message] = describeRefusal(t.reason);
      return { ok: false, refusal: { reason, message } };
    } catch (err) {
      return {
        ok: false,
        refusal: { reason: Reason.approvalStoreError, message: `The approval store failed: ${errorText(err)}` },
      };
    }
  }

  private async decide(
    id: string,
    status: 'approved' | 'denied',
    decision: ApprovalDecision,
  ): Promise<ApprovalResponse> {
    if (!decision || typeof decision.by !== 'string' || decision.by === '') {
      return { ok: false, reason: 'invalid_decision', message: 'A decision needs `by`: who approved or denied.' };
    }
    let t: Awaited<ReturnType<ApprovalStore['decide']>>;
    try {
      t = await this.store.decide(id, { ...decision, status, at: this.clock.now() }, this.clock.now());
    } catch (err) {
      return { ok: false, reason: Reason.approvalStoreError, message: `The approval store failed: ${errorText(err)}` };
    }
    if (!t.ok) {
      const [reason, message] = describeRefusal(t.reason);
      return { ok: false, reason, message, approval: t.record };
    }
    const record = t.record;
    const warnings: string[] = [];
    const gates = this.registry.get(record.tool)?.pipeline ?? this.gates;
    for (const gate of gates) {
      if (!gate.onApprovalDecision || !record.gates.includes(gate.name)) continue;
      try {
        await gate.onApprovalDecision(record);
      } catch (err) {
        warnings.push(`${gate.name}.onApprovalDecision failed: ${errorText(err)}`);
      }
    }
    this.emit({
      type: 'approval',
      seq: 0,
      eventId: newId('evt'),
      traceId: record.context.traceId ?? '',
      callId: record.callId,
      tool: record.tool,
      approval: record,
    });
    return warnings.length ? { ok: true, approval: record, warnings } : { ok: true, approval: record };
  }

  private async refuseResume(
    id: string,
    record: ApprovalRecord | undefined,
    reason: string,
    message: string,
  ): Promise<GateResult> {
    const definition = record ? this.registry.get(record.tool) : undefined;
    const state = this.begin(
      record?.tool ?? '',
      { ...record?.context, callId: record?.callId },
      record?.args ?? {},
      definition?.definition,
      false,
      definition?.pipeline,
    );
    state.resumedFrom = id;
    return this.finish(state, { status: 'blocked', blockedBy: 'approval', reason, message });
  }

  private async settle(
    state: CallState,
    reservations: Reservation[],
    how: 'commit' | 'release',
    outcome: Omit<SettleInfo, 'warn'>,
  ): Promise<void> {
    if (reservations.length === 0) return;
    const info: SettleInfo = { ...outcome, warn: (message) => void state.warnings.push(String(message)) };
    // Release in reverse, so the last hold taken is the first given back.
    for (let i = reservations.length - 1; i >= 0; i--) {
      try {
        await reservations[i]![how](info);
      } catch (err) {
        state.warnings.push(`a reservation failed to ${how}: ${errorText(err)}`);
      }
    }
  }

  private pushDecision(state: CallState, decision: GateDecision): void {
    state.decisions.push(decision);
    if (this.listeners.size > 0) this.emit({ type: 'decision', ...this.ids(state), decision });
  }

  private async finish(
    state: CallState,
    outcome: Pick<GateResult, 'status' | 'reason' | 'message'> &
      Partial<Pick<GateResult, 'blockedBy' | 'retryAfterMs' | 'result' | 'error' | 'approval'>>,
  ): Promise<GateResult> {
    const result: GateResult = {
      status: outcome.status,
      allowed: outcome.status === 'executed' || outcome.status === 'allowed',
      tool: state.tool,
      callId: state.callId,
      reason: outcome.reason,
      message: outcome.message,
      decisions: state.decisions,
      traceId: state.traceId,
      eventId: newId('evt'),
      timings: { startedAt: state.startedAt, gatesMs: state.gatesMs, handlerMs: state.handlerMs, totalMs: 0 },
    };
    if ('result' in outcome) result.result = outcome.result;
    if (outcome.error) result.error = outcome.error;
    if (outcome.blockedBy) result.blockedBy = outcome.blockedBy;
    if (outcome.retryAfterMs !== undefined) result.retryAfterMs = outcome.retryAfterMs;
    if (outcome.approval) result.approval = outcome.approval;
    if (state.resumedFrom) result.resumedFrom = state.resumedFrom;
    if (state.ctx.dryRun) result.dryRun = true;
    if (!state.ctx.dryRun) {
      for (const gate of state.pipeline) {
        if (!gate.record) continue;
        try {
          const pending = gate.record(result, state.ctx);
          if (pending) await this.bounded(pending, gate.name, state);
        } catch (err) {
          state.warnings.push(`${gate.name} failed to record this call: ${errorText(err)}`);
        }
      }
    }
    if (state.warnings.length > 0) result.warnings = state.warnings;
    result.timings.totalMs = performance.now() - state.t0;
    if (this.listeners.size > 0) this.emit({ type: 'result', ...this.ids(state), result });
    return result;
  }

  /** Waits for a record at most `recordTimeoutMs`; past that, the call returns and says so. */
  private async bounded(pending: Promise<void>, gate: string, state: CallState): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.recordTimeoutMs);
    });
    try {
      if ((await Promise.race([pending, late])) === 'late') {
        state.warnings.push(
          `${gate} did not confirm its record within ${this.recordTimeoutMs} ms; it is still being written`,
        );
        pending.catch(() => {}); // its outcome is now the sink's to report (audit counts failures)
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private ids(state: CallState) {
    return { seq: 0, eventId: newId('evt'), traceId: state.traceId, callId: state.callId, tool: state.tool };
  }

  private emit(event: DecisionEvent): void {
    event.seq = ++this.seq;
    for (const listener of this.listeners) {
      try {
        const p = listener(event);
        if (p && typeof (p as Promise<void>).catch === 'function') (p as Promise<void>).catch(() => {});
      } catch {
        // A listener's failure is its own; the call goes on.
      }
    }
  }
}

function serializableContext(context: CallContext): CallContext {
  const out: CallContext = {};
  if (context.actor !== undefined) out.actor = context.actor;
  if (context.tenant !== undefined) out.tenant = context.tenant;
  if (context.session !== undefined) out.session = context.session;
  if (Array.isArray(context.scopes)) out.scopes = [...context.scopes];
  if (Array.isArray(context.roles)) out.roles = [...context.roles];
  if (context.metadata) out.metadata = structuredClone(context.metadata);
  return out;
}
