/** Which OpenAI endpoint a request came to. */
export type ScriptedApi = 'chat' | 'responses';

/** One tool call the scripted model makes. */
export interface ScriptedToolCall {
  /** Tool name, sent as the model would (it need not be a registered tool). */
  name: string;
  /**
   * Arguments: an object is sent as its JSON; a string is sent verbatim, so a test can send malformed JSON
   * the way a real model sometimes does.
   */
  arguments: string | Record<string, unknown>;
  /** The call id (`call_…`); generated when absent. */
  callId?: string;
}

/** A provider failure to answer with instead of a turn (to exercise retries and circuit breakers). */
export interface ScriptedError {
  /** HTTP status, e.g. 429, 500, 503. */
  status: number;
  /** The error message in OpenAI's `{error: {message, type, code}}` body. */
  message: string;
  /** OpenAI's error `type` (default `server_error`). */
  type?: string;
  /** OpenAI's error `code` (default null). */
  code?: string;
}

/**
 * One assistant turn: text, tool calls, or both (Chat Completions puts both in one message; the Responses
 * API emits a message item followed by function_call items). Or an error the endpoint answers with.
 */
export type ScriptedTurn =
  | {
      /** Assistant text, streamed in word-sized deltas. */
      text?: string;
      /** Tool calls, in the order the model makes them. */
      toolCalls?: readonly ScriptedToolCall[];
      error?: undefined;
    }
  | { error: ScriptedError };

/** A tool output found at the end of a request's conversation: what the client answered a call with. */
export interface ScriptedToolOutput {
  callId: string;
  /** The output as sent (Chat `content`, Responses `output`), a string for text outputs. */
  output: unknown;
}

/** A request the scripted model received, parsed. */
export interface ScriptedRequest {
  api: ScriptedApi;
  /** The parsed JSON body, exactly as sent. */
  body: Record<string, unknown>;
  model: string;
  stream: boolean;
  /** Names of the function tools offered. */
  toolNames: string[];
  /** Chat: `messages`. Responses: `input` (a string input becomes one user message). */
  items: Record<string, unknown>[];
  /**
   * The whole conversation the model sees: for Chat the messages; for Responses the stored chain behind
   * `previous_response_id` (this server's own responses) followed by `items`.
   */
  conversation: Record<string, unknown>[];
  /** Tool outputs at the end of the conversation, i.e. the answers to the model's last tool calls. */
  toolOutputs: ScriptedToolOutput[];
  /** Responses only. */
  previousResponseId?: string;
  /** Responses only: `store` as sent (the API's default is true). */
  store?: boolean;
  /** Responses only: the id of the response this request was answered with (set once answered). */
  responseId?: string;
}

/** Decides the next turn from the request (the replay model of a recorded episode is one of these). */
export type RespondFunction = (request: ScriptedRequest) => ScriptedTurn | Promise<ScriptedTurn>;
