import { randomUUID } from 'node:crypto';
import type { CallContext, GatedToolRunner, GateResult } from '@tollgate/core';
import { type CircuitBreakerPolicy, CircuitState } from 'cockatiel';
import type OpenAI from 'openai';
import { type BreakerOptions, createBreaker } from './breaker.js';
import { chatApi } from './chat-api.js';
import { executeToolCalls } from './execute.js';
import { type LoopDeps, toolLoop } from './loop.js';
import type { ProvenanceFactory } from './provenance.js';
import { recordConversation } from './provenance.js';
import { responsesApi } from './responses-api.js';
import { type ApprovalDecisions, resumeLoop } from './resume.js';
import { chatToolSchemas, responsesToolSchemas } from './schemas.js';
import type { ToolOutputOptions } from './tool-output.js';
import type {
  AnyToolCall,
  ApprovalChoice,
  Conversation,
  ExecutedToolCalls,
  Interruption,
  OpenAIApi,
  RunEvent,
  RunParams,
  RunResult,
  RunState,
} from './types.js';

/** Options for {@link GatedOpenAI}. */
export interface GatedOpenAIOptions extends ToolOutputOptions {
  /** The OpenAI client. Set `timeout` (ms) and `maxRetries` on it: the SDK's own timeouts and retries apply. */
  client: OpenAI;
  /** The runner whose tools the model gets and through which every call runs. */
  runner: GatedToolRunner;
  /** Model name sent with every request, unless a run names its own (`run({ model })`). */
  model: string;
  /** `'chat'` for Chat Completions, `'responses'` for the Responses API. */
  api: OpenAIApi;
  /** Tool rounds a run may execute before it ends with `max_rounds` (default 8). */
  maxToolRounds?: number;
  /** Context for every call (actor, tenant…); a run's `context` is merged over it. */
  context?: CallContext;
  /**
   * Circuit breaker around model calls: settings, your own cockatiel policy (to share one across adapters),
   * or `false` for none. Default: opens after 5 consecutive provider failures, half-opens after 30 s.
   */
  breaker?: BreakerOptions | CircuitBreakerPolicy | false;
  /**
   * Makes each run's provenance: `() => new ProvenanceLog()` from `@tollgate/provenance`. The adapter records the
   * system, developer and user messages and every tool output into it as it appends them, hands it to every call as
   * `ctx.provenance`, returns it as `RunResult.provenance`, and rebuilds it from the run's messages on resume. Absent:
   * no provenance (a `ProvenanceGate` then treats sink values as it is told to for `missing`).
   */
  provenance?: ProvenanceFactory;
}

/** Called for each interruption of a paused run; returns the human's decision. */
export type OnApprovalRequired = (
  interruption: Interruption,
  state: RunState,
) => ApprovalChoice | Promise<ApprovalChoice>;

/**
 * Runs OpenAI tool loops (Chat Completions or Responses) whose every tool call goes through a
 * {@link GatedToolRunner}. Holds no per-run state: one instance serves any number of concurrent runs.
 */
export class GatedOpenAI {
  /** The API this adapter speaks. */
  readonly api: OpenAIApi;
  /** The model sent with every request of a run that names none. */
  readonly model: string;
  /** The runner every call goes through (its approval store holds the approvals). */
  readonly runner: GatedToolRunner;
  /** The circuit breaker around model calls, if any (read its `state` for health checks). */
  readonly breaker: CircuitBreakerPolicy | undefined;
  private readonly deps: LoopDeps;
  private readonly context: CallContext;

  constructor(options: GatedOpenAIOptions) {
    const maxToolRounds = options.maxToolRounds ?? 8;
    if (!Number.isInteger(maxToolRounds) || maxToolRounds < 0) {
      throw new TypeError(`maxToolRounds must be a non-negative integer, got ${maxToolRounds}`);
    }
    if (options.api !== 'chat' && options.api !== 'responses') {
      throw new TypeError(`api must be 'chat' or 'responses', got ${String(options.api)}`);
    }
    this.api = options.api;
    this.model = options.model;
    this.runner = options.runner;
    this.context = options.context ?? {};
    this.breaker =
      options.breaker === false
        ? undefined
        : options.breaker && 'execute' in options.breaker
          ? options.breaker
          : createBreaker(options.breaker || {});
    const breaker = this.breaker;
    this.deps = {
      client: options.client,
      runner: options.runner,
      driver: options.api === 'chat' ? chatApi : responsesApi,
      maxToolRounds,
      output: {
        denyMessage: options.denyMessage,
        exposeDecisionData: options.exposeDecisionData,
        outputStage: options.outputStage ?? [],
      },
      provenance: options.provenance,
      send: (fn) => (breaker ? breaker.execute(fn) : fn()),
    };
  }

  /** The runner's tools in this adapter's API format, for requests you build yourself. */
  toolSchemas(): OpenAI.Chat.Completions.ChatCompletionFunctionTool[] | OpenAI.Responses.FunctionTool[] {
    return this.api === 'chat' ? chatToolSchemas(this.runner) : responsesToolSchemas(this.runner);
  }

  /**
   * Runs tool calls of either API concurrently through the runner, each with the model's call id, and
   * returns outputs ready to append (in the calls' order) with each call's {@link GateResult}. Never throws
   * for a call's outcome; throws `TypeError` for something that is not a function tool call.
   */
  executeToolCalls(toolCalls: readonly AnyToolCall[], context?: CallContext): Promise<ExecutedToolCalls> {
    return executeToolCalls(this.runner, toolCalls, { ...this.context, ...context }, this.deps.output);
  }

  /** A dry run of one call: what every gate would decide, executing, consuming and reserving nothing. */
  check(toolName: string, args: unknown, context?: CallContext): Promise<GateResult> {
    return this.runner.check(toolName, args, { ...this.context, ...context });
  }

  /**
   * Runs the whole tool loop without streaming. Resolves with `completed`, `paused` (approvals needed: see
   * `interruptions` and `state`) or `max_rounds`. Rejects with `TypeError` for params of the wrong API or a
   * `model` that is not a non-empty string, and with `ModelCallError` when a model call fails (tool calls never
   * reject).
   */
  async run(params: RunParams): Promise<RunResult> {
    return drain(this.events(params, false));
  }

  /**
   * The same loop, streamed: `llm_delta` as text arrives, `tool_call` when a call's arguments are complete,
   * `execution_event` per call once it ran (or did not), and `final_response` with the {@link RunResult}.
   */
  runStream(params: RunParams): AsyncGenerator<RunEvent, RunResult> {
    return this.events(params, true);
  }

  /**
   * Continues a paused run with decisions keyed by approval id: `{ [approvalId]: { approve, by, comment? } }`.
   * Approved calls run (re-checked by the runner, single use, digest-checked against the state's arguments);
   * their outputs and the denials reach the model, and the loop goes on. Rejects with `ResumeInputError`
   * for an unusable state, an unknown approval id or a decision without a boolean `approve` and a non-empty
   * `by`, and with `ModelCallError` when a model call fails.
   */
  async resume(state: RunState, decisions: ApprovalDecisions = {}): Promise<RunResult> {
    return drain(resumeLoop(this.deps, state, decisions, false));
  }

  /** {@link resume}, streamed (events as in {@link runStream}). */
  resumeStream(state: RunState, decisions: ApprovalDecisions = {}): AsyncGenerator<RunEvent, RunResult> {
    return resumeLoop(this.deps, state, decisions, true);
  }

  /**
   * Callback style: runs, and whenever the run pauses asks `onApprovalRequired` about each interruption
   * (one at a time, in call order), then resumes, until the run completes or runs out of rounds.
   */
  async runWithApproval(params: RunParams, onApprovalRequired: OnApprovalRequired): Promise<RunResult> {
    let result = await this.run(params);
    while (result.status === 'paused' && result.state) {
      const decisions: Record<string, ApprovalChoice> = {};
      for (const interruption of result.interruptions ?? []) {
        decisions[interruption.approvalId] = await onApprovalRequired(interruption, result.state);
      }
      result = await this.resume(result.state, decisions);
    }
    return result;
  }

  /** True while the breaker refuses model calls. */
  get providerUnavailable(): boolean {
    return this.breaker?.state === CircuitState.Open;
  }

  private events(params: RunParams, stream: boolean): AsyncGenerator<RunEvent, RunResult> {
    const model = params.model ?? this.model;
    if (typeof model !== 'string' || model === '') throw new TypeError('`model` must be a non-empty string.');
    const context: CallContext = { ...this.context, ...params.context };
    context.traceId ??= randomUUID();
    // The run's provenance is the adapter's own, never part of the context a run state carries.
    delete context.provenance;
    const conversation = this.conversationOf(params);
    const request = params.request ?? {};
    const provenance = this.deps.provenance?.();
    if (provenance) recordConversation(provenance, conversation, request);
    return toolLoop(this.deps, { conversation, model, round: 0, context, request, stream, events: [], provenance });
  }

  private conversationOf(params: RunParams): Conversation {
    if (this.api === 'chat') {
      if (!Array.isArray(params.messages)) throw new TypeError('A Chat Completions run needs `messages` (an array).');
      return { api: 'chat', messages: [...params.messages] };
    }
    if (params.input === undefined) throw new TypeError('A Responses run needs `input`.');
    const input =
      typeof params.input === 'string' ? [{ role: 'user' as const, content: params.input }] : [...params.input];
    return {
      api: 'responses',
      input,
      unsent: input.length,
      ...(params.previousResponseId ? { previousResponseId: params.previousResponseId } : {}),
    };
  }
}

/** Runs a loop to its end, discarding the stream events, and returns its result. */
async function drain(loop: AsyncGenerator<RunEvent, RunResult>): Promise<RunResult> {
  for (;;) {
    const next = await loop.next();
    if (next.done) return next.value;
  }
}
