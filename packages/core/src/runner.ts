import type { Ajv } from 'ajv';
import { ApprovalFlow, type ApprovalResponse, type ResumeExpectation } from './approval-flow.js';
import { type ApprovalDecision, type ApprovalRecord, type ApprovalStore, MemoryApprovalStore } from './approvals.js';
import { beginCall, conclude } from './call.js';
import { type Clock, systemClock } from './clock.js';
import type { CallContext } from './context.js';
import { type Engine, runCall } from './engine.js';
import type { DecisionListener } from './events.js';
import type { Gate } from './gate.js';
import type { ProvenanceView } from './provenance.js';
import { Recorder } from './recording.js';
import { ToolRegistry } from './registry.js';
import type { GateResult } from './result.js';
import type { ToolDefinition, ToolSchema } from './tool.js';
import { createAjv } from './validation.js';

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

/** Options for {@link GatedToolRunner.resume}. */
export interface ResumeOptions {
  /**
   * What the party resuming believes was approved (the arguments, the caller, the `bind` facts); each field given
   * must match the stored approval, or the resume is refused before any gate runs. Adapters pass all three, so a
   * client-held run state can neither change the arguments nor who the call runs as.
   */
  expect?: ResumeExpectation;
  /**
   * The run's provenance as the adapter rebuilt it from the run's messages, for the gates that re-run on resume. It is
   * never stored with the approval: a resumed call sees only what the party resuming hands it.
   */
  provenance?: ProvenanceView;
}

/**
 * Runs tool calls through a fixed pipeline of gates: validation, rate, budget, rule, decision, execute,
 * audit, whatever order the gates are given in. The first block stops the pipeline, and what earlier gates
 * reserved is released. Every call ends as one {@link GateResult}; `call`, `check` and `resume` never throw.
 */
export class GatedToolRunner {
  /** The runner's clock, shared with gates through the context. */
  readonly clock: Clock;
  private readonly engine: Engine;
  private readonly registry: ToolRegistry;
  private readonly recorder: Recorder;
  private readonly approvals: ApprovalFlow;

  /** @throws {TypeError} for an `approvalTtlMs` or `recordTimeoutMs` that is not a positive number, and as {@link use} and {@link register} */
  constructor(options: RunnerOptions = {}) {
    const approvalTtlMs = positiveMs(options.approvalTtlMs ?? 15 * 60_000, 'approvalTtlMs');
    const recordTimeoutMs = positiveMs(options.recordTimeoutMs ?? 30_000, 'recordTimeoutMs');
    this.clock = options.clock ?? systemClock;
    this.registry = new ToolRegistry(options.ajv ?? createAjv());
    this.recorder = new Recorder(recordTimeoutMs);
    const store = options.approvals ?? new MemoryApprovalStore();
    this.approvals = new ApprovalFlow(store, approvalTtlMs, this.clock, this.recorder);
    this.engine = {
      registry: this.registry,
      recorder: this.recorder,
      approvals: this.approvals,
      clock: this.clock,
      chargeOnError: options.chargeOnError ?? false,
    };
    if (options.onDecision) this.recorder.subscribe(options.onDecision);
    for (const gate of options.gates ?? []) this.use(gate);
    for (const tool of options.tools ?? []) this.register(tool);
  }

  /**
   * Adds a gate for every tool, compiling each registered tool's options for it.
   * @throws {TypeError} for a gate without a known stage or a name already used; {@link ToolOptionsError} when it
   *   refuses a registered tool's options (the runner is then unchanged)
   * @returns this runner, for chaining
   */
  use(gate: Gate): this {
    this.registry.use(gate);
    return this;
  }

  /**
   * Registers a tool, compiling its schema and every gate's options for it once: configuration errors surface at
   * start-up, never at call time.
   * @throws {TypeError} for a missing name or handler, a duplicate name or an invalid schema;
   *   {@link ToolOptionsError} naming tool, gate and path when a gate refuses the tool's options
   */
  register<A, R>(definition: ToolDefinition<A, R>): this {
    this.registry.register(definition);
    return this;
  }

  /** The registered tools, in registration order. */
  tools(): ToolDefinition[] {
    return this.registry.definitions();
  }

  /**
   * What the model is told about each registered tool, in registration order: name, description, `strict`, and the
   * parameters as JSON Schema (generated once from a Standard Schema). Adapters build their tool lists from this.
   */
  schemas(): ToolSchema[] {
    return this.registry.all().map(({ definition, parameters }) => {
      const schema: ToolSchema = { name: definition.name, parameters: parameters.jsonSchema };
      if (definition.description !== undefined) schema.description = definition.description;
      if (definition.strict !== undefined) schema.strict = definition.strict;
      return schema;
    });
  }

  /**
   * Waits until what the gates send after a call ended (budget commits, which leave without delaying the result)
   * has reached their stores, or was given up on and reported by the gate. Call it before a process exits.
   * Never throws.
   */
  async flush(): Promise<void> {
    await Promise.all(
      this.registry.allGates().map(async (g) => {
        try {
          await g.flush?.();
        } catch {
          // A gate reports its own failures to settle; flush only waits.
        }
      }),
    );
  }

  /** {@link flush}, for shutdown hooks; the runner stays usable. */
  close(): Promise<void> {
    return this.flush();
  }

  /** Subscribes to decision, result and approval events. @returns a function that unsubscribes */
  onDecision(listener: DecisionListener): () => void {
    return this.recorder.subscribe(listener);
  }

  /**
   * Runs one tool call through the pipeline and, if every gate allows, the handler.
   * @param name tool name as the model sent it
   * @param args a JSON string (as both OpenAI APIs send) or an object (copied before validation)
   * @param context who calls, and the model's call id
   * @returns the call's {@link GateResult}; never throws
   */
  call(name: string, args: unknown, context?: CallContext): Promise<GateResult> {
    // `?? {}`, not a default parameter: plain-JS callers pass null too, and call() must not throw.
    return runCall(this.engine, { tool: name, args, context: context ?? {}, dryRun: false });
  }

  /** A dry run: evaluates every gate and returns what would happen, executing, consuming and reserving nothing. */
  check(name: string, args: unknown, context?: CallContext): Promise<GateResult> {
    return runCall(this.engine, { tool: name, args, context: context ?? {}, dryRun: true });
  }

  /**
   * Approves a pending approval. Refused (never thrown) when it is unknown, expired or already decided, and, for
   * an approval with a quorum, when the approver is the call's actor, not a listed approver, or approved already.
   * With a quorum short of its count, the answer is `ok` with the record still `pending` and the approval added.
   */
  approve(id: string, decision: ApprovalDecision): Promise<ApprovalResponse> {
    return this.approvals.decide(id, 'approved', decision, (tool) => this.registry.pipelineOf(tool));
  }

  /** Denies a pending approval; a later `resume` returns `approval_denied`. */
  deny(id: string, decision: ApprovalDecision): Promise<ApprovalResponse> {
    return this.approvals.decide(id, 'denied', decision, (tool) => this.registry.pipelineOf(tool));
  }

  /** The stored approval, as of now (a pending one past expiry reads `expired`). Rejects when the store fails. */
  getApproval(id: string): Promise<ApprovalRecord | undefined> {
    return this.approvals.get(id);
  }

  /** Approvals awaiting a human, oldest first. Rejects when the store fails. */
  pendingApprovals(limit?: number): Promise<ApprovalRecord[]> {
    return this.approvals.listPending(limit);
  }

  /**
   * Runs an approved call: checks the stored approval against its digest and `options.expect`, re-validates the
   * stored arguments, re-runs every gate except those that asked for the approval (they see `ctx.approval`),
   * consumes the approval (single use, atomic) and executes exactly once. Refused, as a blocked result, with
   * `approval_pending`, `approval_denied`, `approval_expired`, `approval_consumed`, `approval_not_found`,
   * `approval_store_error`, `approval_args_changed`, `approval_caller_changed` or `approval_binding_changed`.
   */
  async resume(id: string, options: ResumeOptions = {}): Promise<GateResult> {
    const loaded = await this.approvals.load(id, options?.expect);
    const record = loaded.record;
    const context: CallContext = { ...record?.context, callId: record?.callId };
    if (record?.bind !== undefined) context.bind = record.bind;
    if (options?.provenance !== undefined) context.provenance = options.provenance;
    if (!loaded.ok) {
      const state = beginCall(
        {
          tool: record?.tool ?? '',
          context,
          args: record?.args ?? {},
          definition: record ? this.registry.get(record.tool)?.definition : undefined,
          pipeline: this.registry.pipelineOf(record?.tool ?? ''),
          dryRun: false,
          resumedFrom: id,
        },
        this.clock,
      );
      return conclude(
        state,
        { status: 'blocked', blockedBy: 'approval', reason: loaded.reason, message: loaded.message },
        this.recorder,
      );
    }
    return runCall(this.engine, {
      tool: loaded.record.tool,
      args: loaded.record.args,
      context,
      dryRun: false,
      approval: loaded.record,
    });
  }
}

function positiveMs(value: number, name: string): number {
  // NaN would make `now >= expiresAt` never true: approvals that never expire.
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`${name} must be a positive number of ms, got ${String(value)}`);
  }
  return value;
}
