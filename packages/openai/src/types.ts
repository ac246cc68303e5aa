import type { CallContext, GateResult, GateStatus, ProvenanceRecorder } from '@tollgate/core';
import type OpenAI from 'openai';

/** Which OpenAI API a loop talks to: Chat Completions or Responses. */
export type OpenAIApi = 'chat' | 'responses';

/** A Chat Completions message. */
export type ChatMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;
/** A Responses API input item. */
export type ResponsesItem = OpenAI.Responses.ResponseInputItem;
/** What a model call returned: a `ChatCompletion` (Chat) or a `Response` (Responses). */
export type ModelResponse = OpenAI.Chat.Completions.ChatCompletion | OpenAI.Responses.Response;

/** A Chat Completions tool call (`message.tool_calls[i]`). */
export interface ChatToolCall {
  /** The call id (`call_…`). */
  id: string;
  /** Always `function` for the calls the adapter runs (optional, as some callers omit it). */
  type?: 'function';
  /** Tool name and arguments (a JSON string). */
  function: { name: string; arguments: string };
}

/** A Responses API tool call (an output item of type `function_call`). */
export interface ResponsesToolCall {
  type: 'function_call';
  /** The call id (`call_…`); the item's own `id` (`fc_…`) is not used. */
  call_id: string;
  /** Tool name. */
  name: string;
  /** Arguments, a JSON string. */
  arguments: string;
}

/** A tool call in either API's shape. */
export type AnyToolCall = ChatToolCall | ResponsesToolCall;

/** A tool call reduced to what the runner needs. */
export interface ToolCall {
  /** The model's call id (`call_…`), passed to the runner as `context.callId`. */
  callId: string;
  /** Tool name as the model sent it (possibly one it invented). */
  name: string;
  /** The arguments as the model sent them: a JSON string, possibly malformed. */
  arguments: string;
}

/** A tool output ready to append: a Chat `tool` message or a Responses `function_call_output` item. */
export type ToolOutputMessage =
  | { role: 'tool'; tool_call_id: string; content: string }
  | { type: 'function_call_output'; call_id: string; output: string };

/** What the model reads for a call that did not run (core's `ToolDenial`). */
export type { ToolDenial } from '@tollgate/core';

/** What `executeToolCalls` returns: outputs to append (in the calls' order) and each call's result. */
export interface ExecutedToolCalls {
  /** One output per call, in the calls' order, in each call's API shape. */
  messages: ToolOutputMessage[];
  /** One result per call, in the calls' order. */
  results: GateResult[];
}

/** A call that waits for a human; `approvalId` is the key of the decision passed to `resume`. */
export interface Interruption {
  /** The approval's id in the runner's store. */
  approvalId: string;
  /** Tool name. */
  tool: string;
  /** The arguments that will run if approved (those the digest is bound to). */
  args: Record<string, unknown>;
  /** The asking gate's reason code, e.g. `approval_required`. */
  reason: string;
  /** The asking gate's message. */
  message: string;
  /** The model's call id. */
  callId: string;
}

/** A human's decision on one interruption. */
export interface ApprovalChoice {
  /** True approves (the call runs, re-checked); false denies (it never runs). */
  approve: boolean;
  /** Who decided (user id or e-mail); recorded on the approval. */
  by: string;
  /** Why, recorded on the approval. */
  comment?: string;
}

/** The tool results of a run: every call's {@link GateResult} in the order they finished, and the last. */
export interface Execution {
  /** Every call's result in this run (a resume's approved and denied calls first). */
  events: GateResult[];
  /** The last of `events`. */
  last: GateResult | undefined;
}

/** Extra request parameters passed through to every model call (`temperature`, `instructions`, `store`…). */
export type RequestParams = Record<string, unknown>;

/** What `run` takes: `messages` for Chat, `input` for Responses. */
export interface RunParams {
  /** Chat Completions: the conversation so far. */
  messages?: ChatMessage[];
  /** Responses: the input (a string becomes one user message). */
  input?: string | ResponsesItem[];
  /** Responses: continue a stored conversation. */
  previousResponseId?: string;
  /** The model for every call of this run (and of its resumes), instead of the adapter's `model`. */
  model?: string;
  /** Who calls; merged over the adapter's `context`. Every tool call of the run gets it with its own call id. */
  context?: CallContext;
  /**
   * More body parameters for every model call of this run, e.g. `{ temperature: 0 }` or, for Responses,
   * `{ instructions, store: false }`. `model`, `tools`, `messages`/`input` and `stream` are the adapter's.
   */
  request?: RequestParams;
}

/** How a run ended. */
export type RunStatus = 'completed' | 'paused' | 'max_rounds';

/** What `run` and `resume` return. */
export interface RunResult {
  /**
   * `completed`: the model answered without tool calls; `paused`: a call waits for approval (see
   * `interruptions` and `state`); `max_rounds`: the model still asked for tools after `maxToolRounds` rounds
   * (those calls did not run, and the conversation ends before that turn).
   */
  status: RunStatus;
  /** The last model turn's text ('' when it only called tools). */
  outputText: string;
  /**
   * The last model response, as the SDK returned it (Chat: assembled from the stream when streaming).
   * Absent only when `resume` paused again without calling the model (some calls still wait).
   */
  response?: ModelResponse;
  /** Chat: the conversation, including assistant turns and tool outputs. */
  messages?: ChatMessage[];
  /** Responses: the full input, including output items and tool outputs. */
  input?: ResponsesItem[];
  /** Responses: the id to continue from (absent with `store: false`). */
  previousResponseId?: string;
  /** Every call's result in this run or resume, and the last one. */
  execution: Execution;
  /** Tool rounds executed so far, counting rounds before a pause. */
  rounds: number;
  /** Present when `paused`. */
  interruptions?: Interruption[];
  /** Present when `paused`: plain JSON to store and pass to `resume`. */
  state?: RunState;
  /** The run's provenance, when the adapter has a `provenance` factory (never part of `state`). */
  provenance?: ProvenanceRecorder;
}

/** A call waiting for approval, as the run state keeps it. */
export interface PendingCall extends Interruption {
  /** Position of the call in its turn, so outputs keep the model's order. */
  index: number;
}

/** The conversation a run state holds. */
export type Conversation =
  | { api: 'chat'; messages: ChatMessage[] }
  | {
      api: 'responses';
      input: ResponsesItem[];
      /** The stored response the next request continues (unused with `store: false`). */
      previousResponseId?: string;
      /** How many items at the end of `input` the server has not seen yet. */
      unsent: number;
    };

/**
 * A paused run, as plain JSON (`JSON.stringify` it anywhere). It carries no authority: approvals live in the
 * runner's approval store, so an edited state can approve nothing, and `resume` refuses a state whose caller
 * (actor, tenant, session, scopes, roles, metadata) differs from the one the stored approvals were made for.
 * The round count is not bound: an edited `round` can lengthen a run past `maxToolRounds`.
 */
export interface RunState {
  /** Bumped when the shape changes; `resume` refuses versions it does not know. */
  schemaVersion: 1;
  /** The API the run speaks; an adapter resumes only its own. */
  api: OpenAIApi;
  /** The model the run uses; `resume` continues with it (the adapter's `model` unless `run` named another). */
  model: string;
  /** The conversation up to and including the paused turn's model output. */
  conversation: Conversation;
  /** The calls waiting for approval. */
  pendingCalls: PendingCall[];
  /** Their approval ids, the keys of `resume`'s decisions. */
  approvalIds: string[];
  /** Outputs of the paused turn in call order; `null` where a call waits for approval. */
  turnOutputs: (ToolOutputMessage | null)[];
  /** Tool rounds executed so far. */
  round: number;
  /** The run's call context (with its `traceId`). */
  context: CallContext;
  /** The run's extra request parameters. */
  request: RequestParams;
}

/**
 * Events of `runStream` / `resumeStream`, in the order they happen. `round` numbers the loop's rounds from 1:
 * a model turn and the tool calls it makes share one; the final answer's deltas carry the next.
 */
export type RunEvent =
  /** A piece of the model's text. */
  | { type: 'llm_delta'; delta: string; round: number }
  /** A tool call whose arguments are complete (it has not run yet). */
  | { type: 'tool_call'; call: ToolCall; round: number }
  /** A call's outcome: how it ended and why, with the full result for the application. */
  | {
      type: 'execution_event';
      callId: string;
      tool: string;
      status: GateStatus;
      reason: string;
      result: GateResult;
      round: number;
    }
  /** The end of the run. */
  | { type: 'final_response'; result: RunResult };
