import {
  type CallModelInputFilter,
  type FunctionTool,
  type RunContext,
  type RunState,
  type RunToolApprovalItem,
  tool as sdkTool,
  type ToolInputGuardrailDefinition,
  type ToolOutputGuardrailDefinition,
} from '@openai/agents';
import {
  type ApprovalDecision,
  type ApprovalRecord,
  type ApprovalResponse,
  type CallContext,
  errorText,
  type GatedToolRunner,
  type GateResult,
  isStandardSchema,
  type ToolOutputTransform,
  type ToolParameters,
} from '@tollgate/core';
import { type ApprovalIndex, indexKey, MemoryApprovalIndex } from './approval-index.js';
import { currentCallScope, inCallScope } from './call-scope.js';
import { type ProvenanceFactory, RunProvenance } from './provenance.js';
import { AgentsReason } from './reasons.js';
import { modelOutput } from './tool-output.js';

// biome-ignore lint/suspicious/noExplicitAny: a tool list holds tools of every context and argument type.
type AnyFunctionTool = FunctionTool<any, any, any>;
// biome-ignore lint/suspicious/noExplicitAny: a run state of any agent (`RunState.fromString` types its context unknown).
type AnyRunState = RunState<any, any>;

/** Who the calls of a run are made by: fixed, or read from the SDK run context. */
export type CallerOption<TContext> =
  | Omit<CallContext, 'callId' | 'provenance'>
  | ((
      runContext: RunContext<TContext>,
    ) => Omit<CallContext, 'callId' | 'provenance'> | Promise<Omit<CallContext, 'callId' | 'provenance'>>);

/** Options for {@link GatedAgentTools}. */
export interface GatedAgentToolsOptions<TContext = unknown> {
  /** The runner every call goes through: its tools, gates, approval store and audit. */
  runner: GatedToolRunner;
  /**
   * Who calls (actor, tenant, session, scopes, roles, metadata), or a function of the SDK run context that says so.
   * On a resumed run it is asked again, and core refuses an approval made for another caller
   * (`approval_caller_changed`): a run state edited to name someone else approves nothing. The SDK takes a resumed
   * run's context from the state, so restore a client-held state with
   * `RunState.fromStringWithContext(agent, text, new RunContext(session))`: the calls it makes next then run as
   * the session's user, not as whoever the state names.
   */
  caller?: CallerOption<TContext>;
  /** Where paused calls find their approval id (default: a {@link MemoryApprovalIndex}, this process only). */
  approvals?: ApprovalIndex;
  /** A fresh provenance recorder per run; fed through {@link GatedAgentTools.callModelInputFilter}. */
  provenance?: ProvenanceFactory;
  /** Transforms applied in order to each output before the model reads it (`@tollgate/provenance`'s filters). */
  outputStage?: readonly ToolOutputTransform[];
}

/**
 * The options of the SDK's `tool()`, with tollgate's per-tool settings: `parameters` is a zod object (a Standard
 * Schema) or a JSON Schema, `execute` gets the validated arguments. There is no `needsApproval`: approvals are
 * the gates' to ask for.
 */
export interface GatedToolOptions<Args = unknown, TContext = unknown> {
  name: string;
  description: string;
  parameters: ToolParameters<Args>;
  /** OpenAI structured outputs (default true, as the SDK's `tool()`). */
  strict?: boolean;
  /** The real function; it runs only when every gate allowed (or the approval was checked and consumed). */
  execute(args: Args, runContext: RunContext<TContext> | undefined, details: unknown): unknown;
  /** Per-tool gate options, by gate name (`false` skips that gate), as `ToolDefinition.gates`. */
  gates?: Record<string, unknown>;
  /** Gates for this tool only. */
  use?: NonNullable<Parameters<GatedToolRunner['register']>[0]['use']>;
  /** Charge reservations when `execute` throws. */
  chargeOnError?: boolean;
  /** The SDK's own options, passed through. */
  isEnabled?: boolean | ((args: { runContext: RunContext<TContext> }) => boolean | Promise<boolean>);
  inputGuardrails?: ToolInputGuardrailDefinition<TContext>[];
  outputGuardrails?: ToolOutputGuardrailDefinition<TContext>[];
}

/** A paused call, as the SDK reports it and as tollgate stores it. */
export interface GatedInterruption {
  /** The SDK's interruption, for `state.approve(item)` / `state.reject(item)`. */
  item: RunToolApprovalItem;
  /** The tollgate approval it waits for (`apr_…`), or `undefined` when this process holds no pointer to one. */
  approvalId: string | undefined;
  /** The stored approval, as of now (`undefined` when unknown or the store failed). */
  approval: ApprovalRecord | undefined;
}

/**
 * Function tools for the OpenAI Agents SDK whose every invocation goes through a {@link GatedToolRunner}. A call a
 * gate blocks, or whose handler throws, becomes a tool output the model reads (`{status, reason, message}`); a call
 * a gate sends to a human becomes an SDK interruption (`needsApproval`), stored as a tollgate approval.
 *
 * When a paused run continues (`run(agent, state)`, from a live state or `RunState.fromString`), the SDK's approval
 * flag is no authority: each call the SDK now runs resumes through `runner.resume(id, {expect})`, which checks the
 * stored approval (approved, unexpired, unused, and bound by digest to this tool, call id, arguments and caller),
 * re-runs the other gates and executes the approved arguments exactly once. A forged, replayed, expired or edited
 * state gets the refusal as the call's output, and nothing runs.
 */
export class GatedAgentTools<TContext = unknown> {
  readonly runner: GatedToolRunner;
  private readonly caller: CallerOption<TContext> | undefined;
  private readonly index: ApprovalIndex;
  private readonly provenanceFactory: ProvenanceFactory | undefined;
  private readonly outputStage: readonly ToolOutputTransform[];
  /** Outcomes of calls the approval check already ran (a gate changed its mind between the dry run and the call). */
  private readonly settled = new Map<string, GateResult>();
  /** Each run's provenance, by the SDK context object (what the input filter and the tools both see). */
  private readonly runs = new WeakMap<object, RunProvenance>();

  constructor(options: GatedAgentToolsOptions<TContext>) {
    this.runner = options.runner;
    this.caller = options.caller;
    this.index = options.approvals ?? new MemoryApprovalIndex({ now: () => options.runner.clock.now() });
    this.provenanceFactory = options.provenance;
    this.outputStage = options.outputStage ?? [];
  }

  /**
   * SDK function tools for the runner's registered tools (all, or those named), in registration order; their
   * handlers read the SDK run context with {@link currentCallScope}.
   * @throws {TypeError} for a name the runner has no tool for
   */
  tools(names?: readonly string[]): AnyFunctionTool[] {
    const schemas = this.runner.schemas();
    const wanted = names ?? schemas.map((s) => s.name);
    return wanted.map((name) => {
      const schema = schemas.find((s) => s.name === name);
      if (!schema) throw new TypeError(`The runner has no tool "${name}"`);
      return this.build(name, schema.description ?? '', schema.parameters, schema.strict ?? false, {});
    });
  }

  /**
   * Defines a tool the way the SDK's `tool()` does, registered in the runner and gated.
   * @throws as `runner.register` (a duplicate name, an invalid schema, refused gate options)
   */
  tool<Args>(options: GatedToolOptions<Args, TContext>): AnyFunctionTool {
    const strict = options.strict ?? true;
    this.runner.register({
      name: options.name,
      description: options.description,
      parameters: options.parameters,
      strict,
      handler: (args: Args) => {
        const scope = currentCallScope();
        return options.execute(args, scope?.runContext, scope?.details);
      },
      ...(options.gates ? { gates: options.gates } : {}),
      ...(options.use ? { use: options.use } : {}),
      ...(options.chargeOnError !== undefined ? { chargeOnError: options.chargeOnError } : {}),
    });
    const schema = this.runner.schemas().find((s) => s.name === options.name)!;
    // The model gets the schema the SDK itself would send for a zod object in strict mode.
    const parameters =
      isStandardSchema(options.parameters) && strict && isZodObject(options.parameters)
        ? sdkTool({
            name: options.name,
            description: options.description,
            parameters: options.parameters as never,
            execute: () => '',
          }).parameters
        : schema.parameters;
    return this.build(options.name, options.description, parameters, strict, {
      isEnabled: options.isEnabled,
      inputGuardrails: options.inputGuardrails,
      outputGuardrails: options.outputGuardrails,
    });
  }

  /**
   * Gates a function tool the SDK's `tool()` already built: registers it in the runner (its JSON Schema, its
   * `invoke` as the handler) and returns the gated tool in its place. Its own `needsApproval` is dropped (approvals
   * are the gates'); its error handling applies, so build it with `errorFunction: null` for a throw to reach
   * tollgate as `tool_error` rather than as an executed error text.
   */
  wrap(existing: AnyFunctionTool): AnyFunctionTool {
    this.runner.register({
      name: existing.name,
      description: existing.description,
      parameters: existing.parameters as Record<string, unknown>,
      strict: existing.strict,
      handler: (args: unknown) => {
        const scope = currentCallScope();
        return existing.invoke(scope?.runContext as RunContext, JSON.stringify(args), scope?.details as never);
      },
    });
    return this.build(existing.name, existing.description, existing.parameters, existing.strict, {
      // A built tool's isEnabled takes (runContext, agent); tool()'s option takes them as one object.
      isEnabled: ({ runContext, agent }: { runContext: RunContext; agent: never }) =>
        existing.isEnabled(runContext, agent),
      inputGuardrails: existing.inputGuardrails,
      outputGuardrails: existing.outputGuardrails,
    });
  }

  /**
   * The SDK's `callModelInputFilter` that feeds each run's provenance with what every model call sends (system
   * instructions, user messages, tool outputs). Pass it in `run(agent, input, { callModelInputFilter })` or the
   * `Runner` config when `provenance` is set; it returns the input unchanged.
   */
  readonly callModelInputFilter: CallModelInputFilter = ({ modelData, context }) => {
    this.provenanceFor(context)?.record(modelData.input, modelData.instructions);
    return modelData;
  };

  /**
   * Records a paused run's history and its current agent's instructions as its provenance before
   * `run(agent, state)`, so the gates that re-run on the resumed calls see what the model had read. The history comes from the state; the approval itself stays bound
   * to tool, call id, arguments and caller.
   */
  async restore(state: AnyRunState): Promise<void> {
    const run = this.provenanceFor(state._context.context);
    if (!run) return;
    const instructions = await state.currentAgent?.getSystemPrompt?.(state._context);
    run.record(state.history, instructions);
  }

  /** The paused calls of a result or state, each with its tollgate approval. Never throws; a failed read is `undefined`. */
  async interruptions(from: { interruptions: RunToolApprovalItem[] } | AnyRunState): Promise<GatedInterruption[]> {
    const items = 'getInterruptions' in from ? from.getInterruptions() : from.interruptions;
    return Promise.all(
      items.map(async (item) => {
        const approvalId = await this.approvalIdOf(item).catch(() => undefined);
        const approval =
          approvalId === undefined ? undefined : await this.runner.getApproval(approvalId).catch(() => undefined);
        return { item, approvalId, approval };
      }),
    );
  }

  /**
   * Approves a paused call in tollgate's store (`runner.approve`) and, once it is approved (a quorum may need more
   * people), in the SDK state, so `run(agent, state)` runs it. Never throws: the answer says what happened.
   */
  async approve(state: AnyRunState, item: RunToolApprovalItem, decision: ApprovalDecision): Promise<ApprovalResponse> {
    const id = await this.approvalIdOf(item).catch(() => undefined);
    if (id === undefined) return noApproval(item);
    const answer = await this.runner.approve(id, decision);
    if (answer.ok && answer.approval.status === 'approved') state.approve(item);
    return answer;
  }

  /**
   * Denies a paused call in tollgate's store and rejects it in the SDK state (the model reads `message`, or the
   * SDK's default). The SDK rejection happens even when the store refuses: saying no is always safe.
   */
  async reject(
    state: AnyRunState,
    item: RunToolApprovalItem,
    decision: ApprovalDecision,
    options: { message?: string } = {},
  ): Promise<ApprovalResponse> {
    const id = await this.approvalIdOf(item).catch(() => undefined);
    state.reject(item, options.message === undefined ? {} : { message: options.message });
    if (id === undefined) return noApproval(item);
    return this.runner.deny(id, decision);
  }

  /** The tollgate approval id a paused call waits for. Rejects when the index fails. */
  async approvalIdOf(item: RunToolApprovalItem): Promise<string | undefined> {
    const raw = item.rawItem as { callId?: unknown };
    const name = item.name;
    if (typeof raw.callId !== 'string' || typeof name !== 'string') return undefined;
    return this.index.get(indexKey(name, raw.callId));
  }

  private build(
    name: string,
    description: string,
    parameters: unknown,
    strict: boolean,
    extra:
      | Partial<Pick<AnyFunctionTool, 'isEnabled' | 'inputGuardrails' | 'outputGuardrails'>>
      | Record<string, unknown>,
  ): AnyFunctionTool {
    const passThrough = Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined));
    return sdkTool({
      ...passThrough,
      name,
      description,
      parameters: parameters as never,
      strict,
      needsApproval: (runContext: RunContext, input: unknown, callId?: string) =>
        this.needsApproval(name, runContext as RunContext<TContext>, input, callId),
      execute: (input: unknown, runContext?: RunContext, details?: { toolCall?: { callId?: string } }) =>
        this.execute(name, input, runContext as RunContext<TContext> | undefined, details),
    } as never) as AnyFunctionTool;
  }

  /**
   * Asked by the SDK before it runs a call. A dry run (`runner.check`) finds whether a gate wants a human; only then
   * does the real call run, to store the approval, and the run pauses. A call already paused stays paused while its
   * approval is pending; once decided (here or elsewhere) `execute` resumes it and reports the outcome.
   */
  private async needsApproval(
    tool: string,
    runContext: RunContext<TContext>,
    input: unknown,
    callId: string | undefined,
  ): Promise<boolean> {
    if (callId === undefined) return false;
    const key = indexKey(tool, callId);
    try {
      const id = await this.index.get(key);
      if (id !== undefined) {
        const record = await this.runner.getApproval(id).catch(() => undefined);
        return record?.status === 'pending';
      }
      const context = await this.contextFor(runContext, callId);
      const dry = await inCallScope({ runContext }, () => this.runner.check(tool, input, context));
      if (dry.status !== 'approval_required') return false;
      const result = await inCallScope({ runContext }, () => this.runner.call(tool, input, context));
      if (result.status !== 'approval_required' || !result.approval) {
        this.settled.set(key, result);
        return false;
      }
      try {
        await this.index.set(key, result.approval.id, result.approval.expiresAt);
      } catch {
        // No pointer, no pause: the model reads that the call waits for this approval, and nothing ran.
        this.settled.set(key, result);
        return false;
      }
      return true;
    } catch {
      // The caller function or the index failed: `execute` meets the same failure and reports it as the output.
      return false;
    }
  }

  /** Runs a call the SDK decided to run: a resume when it has an approval, else a fresh call through every gate. */
  private async execute(
    tool: string,
    input: unknown,
    runContext: RunContext<TContext> | undefined,
    details: { toolCall?: { callId?: string } } | undefined,
  ): Promise<string> {
    const callId = details?.toolCall?.callId;
    const key = callId === undefined ? undefined : indexKey(tool, callId);
    const done = key === undefined ? undefined : this.settled.get(key);
    if (key !== undefined && done) {
      this.settled.delete(key);
      return modelOutput(done, this.outputStage);
    }
    let context: CallContext;
    let id: string | undefined;
    try {
      context = await this.contextFor(runContext, callId);
    } catch (err) {
      return adapterDenial(
        AgentsReason.callerError,
        `Who makes this call could not be established (${errorText(err)}). It did not run.`,
      );
    }
    try {
      id = key === undefined ? undefined : await this.index.get(key);
    } catch (err) {
      return adapterDenial(
        AgentsReason.approvalIndexError,
        `Whether this call was approved could not be read (${errorText(err)}). It did not run; try again later.`,
      );
    }
    const provenance = context.provenance;
    const scope = { runContext: runContext as RunContext<TContext>, details };
    const result = await inCallScope(scope, () =>
      id === undefined
        ? this.runner.call(tool, input, context)
        : this.runner.resume(id, {
            expect: { args: input, context },
            ...(provenance ? { provenance } : {}),
          }),
    );
    return modelOutput(result, this.outputStage);
  }

  private async contextFor(
    runContext: RunContext<TContext> | undefined,
    callId: string | undefined,
  ): Promise<CallContext> {
    const caller =
      typeof this.caller === 'function' ? await this.caller(runContext as RunContext<TContext>) : (this.caller ?? {});
    const context: CallContext = { ...caller };
    if (callId !== undefined) context.callId = callId;
    const provenance = this.provenanceFor(runContext?.context)?.recorder;
    if (provenance) context.provenance = provenance;
    return context;
  }

  private provenanceFor(context: unknown): RunProvenance | undefined {
    if (!this.provenanceFactory || context === null || typeof context !== 'object') return undefined;
    let run = this.runs.get(context);
    if (!run) {
      run = new RunProvenance(this.provenanceFactory());
      this.runs.set(context, run);
    }
    return run;
  }
}

function isZodObject(value: unknown): boolean {
  const def = (value as { _zod?: { def?: { type?: unknown } } } | null)?._zod?.def;
  return def?.type === 'object';
}

function adapterDenial(reason: string, message: string): string {
  return JSON.stringify({ status: 'blocked', reason, message });
}

function noApproval(item: RunToolApprovalItem): ApprovalResponse {
  return {
    ok: false,
    reason: AgentsReason.noApproval,
    message: `No tollgate approval is known for call ${String((item.rawItem as { callId?: unknown }).callId)} of ${String(item.name)} in this process; run the state again to ask for one.`,
  };
}
