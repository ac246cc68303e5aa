import {
  type CallContext,
  type GatedToolRunner,
  type GateResult,
  isStandardSchema,
  type Json,
  modelOutput,
  type ToolDefinition,
  type ToolDenial,
  type ToolOutputOptions,
  toolDenial,
  withJsonSchema,
} from '@tollgate/core';
import {
  asSchema,
  jsonSchema,
  type ModelMessage,
  type Tool,
  type ToolExecuteFunction,
  type ToolExecutionOptions,
  type ToolModelMessage,
  type ToolSet,
} from 'ai';
import { type ApprovalIndex, indexKey, MemoryApprovalIndex } from './approval-index.js';
import { approvalResponses, historyDigest, messagesBefore } from './messages.js';
import { type ProvenanceFactory, provenanceEntries, recorderOf } from './provenance.js';

/** Options for {@link gatedTools} and {@link gateTools}. */
export interface GateToolsOptions extends ToolOutputOptions {
  /** Who calls (actor, tenant, session…) for every call; give each request its own tool set with its caller. */
  context?: CallContext;
  /**
   * Makes each call's provenance: `() => new ProvenanceLog()` from `@tollgate/provenance`. It is rebuilt from the
   * SDK's messages (system and user messages, tool results) for every call, so gates see what the model had read;
   * the approval is then bound to that history, and a resume whose history was edited is refused.
   */
  provenance?: ProvenanceFactory;
  /** The `system` prompt you pass to `generateText` / `streamText`, recorded first (tools never see it otherwise). */
  system?: string;
  /**
   * Who a tool-approval response decides as, in the runner's store (default: the caller's `actor`, else
   * `ai-sdk-user`): `approved: true` approves the call there before it resumes, and {@link settleApprovals} records a
   * denial. `false`: responses decide nothing; a reviewer must have approved in the store (`runner.approve`,
   * `tollgate console`), else the call is refused with `approval_pending`.
   */
  decidedBy?: string | false;
  /** Where call → approval ids are kept until the resume (default: this process's memory, per runner). */
  approvalIndex?: ApprovalIndex;
}

/** Per-tool runner options for {@link gateTools}: gate options, tool-only gates, `chargeOnError`, `strict`. */
export type GatedToolOptions = Pick<ToolDefinition, 'gates' | 'use' | 'chargeOnError' | 'strict'>;

/** What a gated tool returns: the tool's own output when it ran, else what the model is told ({@link ToolDenial}). */
export type GatedOutput<OUTPUT> = OUTPUT | ToolDenial;

/** An AI SDK tool set with every `execute` gated: same names and inputs, outputs widened by {@link ToolDenial}. */
export type GatedToolSet<T extends ToolSet> = {
  [K in keyof T]: T[K] extends Tool<infer INPUT, infer OUTPUT> ? Tool<INPUT, GatedOutput<OUTPUT>> : never;
};

/** How long past its approval's expiry a call's index entry is kept, so a late response learns it expired (ms). */
const LATE_MS = 3_600_000;

/** The SDK's `needsApproval` function (the `ai` package exports no name for it). */
type NeedsApproval = Extract<NonNullable<Tool<unknown, unknown>['needsApproval']>, (...args: never[]) => unknown>;

/** What the adapter keeps per runner: the default approval index, and the SDK options of calls in flight. */
interface RunnerState {
  index: MemoryApprovalIndex;
  inFlight: Map<string, ToolExecutionOptions>;
  registered: Map<string, Tool>;
}

const states = new WeakMap<GatedToolRunner, RunnerState>();

function stateOf(runner: GatedToolRunner): RunnerState {
  let state = states.get(runner);
  if (!state) {
    state = { index: new MemoryApprovalIndex(runner.clock), inFlight: new Map(), registered: new Map() };
    states.set(runner, state);
  }
  return state;
}

/**
 * The runner's registered tools as an AI SDK tool set: each tool's JSON Schema as `inputSchema`, and every call
 * through `runner.call()`. A call a gate sends to a human becomes the SDK's tool-approval request
 * (`needsApproval` answers true); its approval response resumes it through `runner.resume()`, checked against the
 * runner's store. Build one per request, with that request's caller in `options.context`.
 */
export function gatedTools(runner: GatedToolRunner, options: GateToolsOptions = {}): ToolSet {
  const gate = new ToolGate(runner, options);
  return Object.fromEntries(
    runner.schemas().map((schema) => {
      const t: Tool<unknown, unknown> = {
        inputSchema: jsonSchema(schema.parameters as Parameters<typeof jsonSchema>[0]),
        ...gate.hooks(schema.name),
      };
      if (schema.description !== undefined) t.description = schema.description;
      if (schema.strict !== undefined) t.strict = schema.strict;
      return [schema.name, t];
    }),
  );
}

/**
 * Gates AI SDK tools (`tool({ description, inputSchema, execute })`): registers each in the runner under its key
 * (once per runner; a zod or other Standard Schema is used as is, so the handler gets the parsed value), and returns
 * the same tools with `needsApproval` and `execute` replaced, so every call runs through the runner as in
 * {@link gatedTools}. Calling it again for the same tools (one tool set per request) registers nothing new.
 * @throws {TypeError} for a tool without `execute`, an input schema with no JSON Schema form, or a name the runner
 *   already holds for another tool; {@link ToolOptionsError} when a gate refuses a tool's options
 */
export function gateTools<T extends ToolSet>(
  runner: GatedToolRunner,
  tools: T,
  options: GateToolsOptions & { tools?: Partial<Record<keyof T, GatedToolOptions>> } = {},
): GatedToolSet<T> {
  const state = stateOf(runner);
  for (const [name, original] of Object.entries(tools)) {
    const known = state.registered.get(name);
    if (known === original) continue;
    if (known) throw new TypeError(`The runner already holds another AI SDK tool named "${name}"`);
    if (typeof original.execute !== 'function') throw new TypeError(`Tool "${name}" has no execute function to gate`);
    runner.register({
      name,
      ...(original.description === undefined ? {} : { description: original.description }),
      ...(original.strict === undefined ? {} : { strict: original.strict }),
      parameters: parametersOf(name, original.inputSchema),
      handler: (args: unknown, ctx) =>
        runOriginal(original, args, state.inFlight.get(ctx.callId) ?? sdkOptions(ctx.callId)),
      ...options.tools?.[name as keyof T],
    });
    state.registered.set(name, original);
  }
  const gate = new ToolGate(runner, options);
  return Object.fromEntries(
    Object.entries(tools).map(([name, original]) => [name, { ...original, ...gate.hooks(name) }]),
  ) as GatedToolSet<T>;
}

/** The `needsApproval` and `execute` of gated tools, for one runner and one set of options. */
class ToolGate {
  private readonly state: RunnerState;
  private readonly index: ApprovalIndex;
  /** Outcomes of calls `needsApproval` ran, waiting for the SDK's `execute`, by call id. */
  private readonly ran = new Map<string, GateResult>();

  constructor(
    private readonly runner: GatedToolRunner,
    private readonly options: GateToolsOptions,
  ) {
    this.state = stateOf(runner);
    this.index = options.approvalIndex ?? this.state.index;
  }

  hooks(name: string): {
    needsApproval: NeedsApproval;
    execute: ToolExecuteFunction<unknown, unknown>;
  } {
    return {
      // The SDK asks before it executes: the call runs through the runner here, once, and `execute` returns its
      // outcome. When the SDK asks again on a resume (a response approved it), `execute` takes it to the store.
      needsApproval: async (input, { toolCallId, messages, experimental_context }) => {
        if (approvalResponses(messages).get(toolCallId)?.approved === true) return true;
        const sdk: ToolExecutionOptions = { toolCallId, messages, experimental_context };
        const result = await this.call(name, input, sdk);
        if (result.status !== 'approval_required' || !result.approval) {
          this.ran.set(toolCallId, result);
          return false;
        }
        await this.index.set(indexKey(name, toolCallId), result.approval.id, result.approval.expiresAt + LATE_MS);
        return true;
      },
      execute: async (input, sdk) => {
        let result = this.ran.get(sdk.toolCallId);
        this.ran.delete(sdk.toolCallId);
        if (!result) {
          const response = approvalResponses(sdk.messages).get(sdk.toolCallId);
          result = response?.approved
            ? await this.resume(name, input, sdk, response.approvalId)
            : await this.call(name, input, sdk);
        }
        return this.output(result, name);
      },
    };
  }

  /** One call through the runner, with the model's call id, the caller, and the history the model had read. */
  private async call(name: string, input: unknown, sdk: ToolExecutionOptions): Promise<GateResult> {
    return this.inFlight(sdk, () => this.runner.call(name, input, this.context(sdk)));
  }

  /**
   * A call a tool-approval response approved: approves it in the store as {@link GateToolsOptions.decidedBy}, then
   * resumes it with what the messages say was approved (arguments, caller, history). The store refuses an approval
   * not issued for this call, one already used, expired or denied, and arguments, caller or history that changed.
   */
  private async resume(
    name: string,
    input: unknown,
    sdk: ToolExecutionOptions,
    sdkApprovalId: string,
  ): Promise<GateResult> {
    const context = this.context(sdk);
    const id = await this.index.get(indexKey(name, sdk.toolCallId));
    const record = id === undefined ? undefined : await this.runner.getApproval(id).catch(() => undefined);
    if (id === undefined || (record && (record.tool !== name || record.callId !== sdk.toolCallId))) {
      // No approval was issued for this tool call (a call or approval the client made up): the runner refuses, and
      // records, a resume of the SDK's approval id, which is never an id of its store.
      return this.runner.resume(`ai-sdk:${sdkApprovalId}`, { expect: { context } });
    }
    const by = decider(this.options);
    // A refusal here (already decided, expired, unknown) is the resume's to report, with the store's reason.
    if (by !== false) await this.runner.approve(id, { by, comment: 'approved in an AI SDK tool-approval response' });
    const expect = { args: input, context, bind: context.bind };
    const options = context.provenance ? { expect, provenance: context.provenance } : { expect };
    return this.inFlight(sdk, () => this.runner.resume(id, options));
  }

  private async inFlight(sdk: ToolExecutionOptions, run: () => Promise<GateResult>): Promise<GateResult> {
    this.state.inFlight.set(sdk.toolCallId, sdk);
    try {
      return await run();
    } finally {
      this.state.inFlight.delete(sdk.toolCallId);
    }
  }

  private context(sdk: ToolExecutionOptions): CallContext {
    const context: CallContext = { ...this.options.context, callId: sdk.toolCallId };
    const factory = this.options.provenance;
    if (!factory) return context;
    const entries = provenanceEntries(messagesBefore(sdk.messages, sdk.toolCallId), this.options.system);
    context.provenance = recorderOf(factory, entries);
    context.bind = { ...context.bind, history: historyDigest(entries) } as Record<string, Json>;
    return context;
  }

  private async output(result: GateResult, name: string): Promise<unknown> {
    if (this.options.outputStage?.length) return modelOutput(result, name, this.options);
    return result.status === 'executed' ? result.result : toolDenial(result, this.options);
  }
}

/** Who the options' responses decide as, or `false`. */
function decider(options: GateToolsOptions): string | false {
  return options.decidedBy ?? options.context?.actor ?? 'ai-sdk-user';
}

/**
 * Records the denials among the last message's tool-approval responses in the runner's store, as
 * {@link GateToolsOptions.decidedBy}, and returns the messages with each denial's `reason` replaced by tollgate's
 * outcome of the call (`{"status":"blocked","reason":"approval_denied",…}`), so the model reads the same denial as
 * through `@tollgate/openai` and the audit trail holds the refusal. Call it on the messages before `generateText` or
 * `streamText` (the SDK answers a denial itself, without calling the tool). Approvals are left to the tools.
 * Never throws for a call's outcome; rejects only when the approval index does.
 */
export async function settleApprovals(
  runner: GatedToolRunner,
  messages: readonly ModelMessage[],
  options: GateToolsOptions = {},
): Promise<ModelMessage[]> {
  const by = decider(options);
  const denied = [...approvalResponses(messages)].filter(([, answer]) => !answer.approved);
  if (by === false || denied.length === 0) return [...messages];
  const index = options.approvalIndex ?? stateOf(runner).index;
  const names = toolNames(messages);
  const reasons = new Map<string, string>();
  for (const [callId, answer] of denied) {
    const name = names.get(callId);
    const id = name === undefined ? undefined : await index.get(indexKey(name, callId));
    if (id === undefined) continue;
    await runner.deny(id, answer.reason === undefined ? { by } : { by, comment: answer.reason });
    reasons.set(answer.approvalId, JSON.stringify(toolDenial(await runner.resume(id), options)));
  }
  const last = messages.at(-1) as ToolModelMessage;
  const content = last.content.map((part) =>
    part.type === 'tool-approval-response' && reasons.has(part.approvalId)
      ? { ...part, reason: reasons.get(part.approvalId)! }
      : part,
  );
  return [...messages.slice(0, -1), { ...last, content }];
}

/** Every tool call of the messages' assistant turns: call id → tool name. */
function toolNames(messages: readonly ModelMessage[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const message of messages) {
    if (message.role !== 'assistant' || typeof message.content === 'string') continue;
    for (const part of message.content) if (part.type === 'tool-call') out.set(part.toolCallId, part.toolName);
  }
  return out;
}

/** An AI SDK input schema as tollgate parameters: a Standard Schema with a JSON Schema form as is, else its JSON Schema. */
function parametersOf(name: string, inputSchema: Tool['inputSchema']): ToolDefinition['parameters'] {
  const standard = isStandardSchema(inputSchema);
  if (standard && typeof (inputSchema['~standard'] as { jsonSchema?: unknown }).jsonSchema === 'object') {
    return inputSchema as ToolDefinition['parameters'];
  }
  const json = asSchema(inputSchema).jsonSchema;
  if (typeof (json as PromiseLike<unknown>)?.then === 'function') {
    throw new TypeError(`Tool "${name}": its input schema's JSON Schema is a promise; give the JSON Schema itself`);
  }
  const { $schema: _dialect, ...schema } = json as Record<string, unknown>;
  return standard ? withJsonSchema(inputSchema, schema) : schema;
}

/** The SDK options for a handler run outside any SDK call (a resume through `runner.resume` by other code). */
function sdkOptions(toolCallId: string): ToolExecutionOptions {
  return { toolCallId, messages: [] as ModelMessage[] };
}

/** Runs an AI SDK tool's `execute`; a streaming one (an async iterable of preliminary outputs) gives its last. */
async function runOriginal(original: Tool, args: unknown, sdk: ToolExecutionOptions): Promise<unknown> {
  const out = await original.execute!(args, sdk);
  if (out === null || typeof out !== 'object' || !(Symbol.asyncIterator in out)) return out;
  let last: unknown;
  for await (const value of out as AsyncIterable<unknown>) last = value;
  return last;
}
