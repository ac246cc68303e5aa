import type { GatedToolRunner } from '@tollgate/core';
import type OpenAI from 'openai';
import type { Conversation, ModelResponse, OpenAIApi, RequestParams, ToolCall, ToolOutputMessage } from './types.js';

/** One model turn: the response, its text and its function tool calls. */
export interface ModelTurn {
  response: ModelResponse;
  text: string;
  toolCalls: ToolCall[];
}

/** What a streamed turn reports as it arrives. */
export type TurnPiece = { type: 'llm_delta'; delta: string } | { type: 'tool_call'; call: ToolCall };

/** What a turn needs: the client, the request, and the guard (circuit breaker) to send it through. */
export interface TurnRequest {
  client: OpenAI;
  runner: GatedToolRunner;
  model: string;
  request: RequestParams;
  stream: boolean;
  send<T>(fn: () => Promise<T>): Promise<T>;
}

/** The API-specific half of the tool loop. */
export interface ApiDriver {
  readonly api: OpenAIApi;
  /** Calls the model once; a streamed turn yields its deltas and completed tool calls as they come. */
  turn(conversation: Conversation, req: TurnRequest): AsyncGenerator<TurnPiece, ModelTurn>;
  /** The conversation with the model's turn appended. */
  withTurn(conversation: Conversation, turn: ModelTurn, request: RequestParams): Conversation;
  /** The conversation with tool outputs appended. */
  withOutputs(conversation: Conversation, outputs: readonly ToolOutputMessage[]): Conversation;
}
