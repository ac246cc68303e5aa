import type OpenAI from 'openai';
import type { ApiDriver, ModelTurn, TurnPiece, TurnRequest } from './driver.js';
import { responsesToolSchemas } from './schemas.js';
import type { Conversation, RequestParams, ResponsesItem } from './types.js';

type Response = OpenAI.Responses.Response;
type ResponsesConversation = Extract<Conversation, { api: 'responses' }>;

function responsesOf(conversation: Conversation): ResponsesConversation {
  if (conversation.api !== 'responses') throw new TypeError('A Responses loop got a Chat Completions conversation');
  return conversation;
}

/** `store: false` means the server keeps nothing, so every request replays the whole input. */
const stores = (request: RequestParams) => request.store !== false;

/** The text of a response's message items (what the SDK's `output_text` holds, which streams lack). */
export function responseText(response: Response): string {
  return response.output
    .flatMap((item) => (item.type === 'message' ? item.content : []))
    .map((part) => (part.type === 'output_text' ? part.text : ''))
    .join('');
}

function turnOf(response: Response): ModelTurn {
  const toolCalls = response.output.flatMap((item) =>
    item.type === 'function_call' ? [{ callId: item.call_id, name: item.name, arguments: item.arguments }] : [],
  );
  return { response, text: responseText(response), toolCalls };
}

async function* responsesTurn(conversation: Conversation, req: TurnRequest): AsyncGenerator<TurnPiece, ModelTurn> {
  const conv = responsesOf(conversation);
  const chained = stores(req.request) && conv.previousResponseId !== undefined;
  const tools = responsesToolSchemas(req.runner);
  const body = {
    ...req.request,
    model: req.model,
    // Chained: the server holds everything up to the previous response; send only what came after it.
    input: chained ? conv.input.slice(conv.input.length - conv.unsent) : conv.input,
    ...(chained ? { previous_response_id: conv.previousResponseId } : {}),
    ...(tools.length > 0 ? { tools } : {}),
  } as OpenAI.Responses.ResponseCreateParamsNonStreaming;
  if (!req.stream) return turnOf(await req.send(() => req.client.responses.create({ ...body, stream: false })));
  const stream = await req.send(() => req.client.responses.create({ ...body, stream: true }));
  let final: Response | undefined;
  for await (const event of stream) {
    switch (event.type) {
      case 'response.output_text.delta':
        yield { type: 'llm_delta', delta: event.delta };
        break;
      case 'response.output_item.done':
        if (event.item.type === 'function_call') {
          const { call_id, name, arguments: args } = event.item;
          yield { type: 'tool_call', call: { callId: call_id, name, arguments: args } };
        }
        break;
      case 'response.completed':
      case 'response.incomplete':
        final = event.response;
        break;
      case 'response.failed':
        throw new Error(`The response failed: ${event.response.error?.message ?? 'no error given'}`);
      case 'error':
        throw new Error(`The response stream failed: ${event.message}`);
    }
  }
  if (!final) throw new Error('The response stream ended before response.completed.');
  return turnOf(final);
}

/**
 * Responses: the conversation is the full input (output items included). Stored responses are chained
 * with `previous_response_id`; with `store: false` the whole input is replayed each time.
 */
export const responsesApi: ApiDriver = {
  api: 'responses',
  turn: responsesTurn,
  withTurn(conversation, turn, request) {
    const response = turn.response as Response;
    const next: ResponsesConversation = {
      api: 'responses',
      input: [...responsesOf(conversation).input, ...(response.output as ResponsesItem[])],
      unsent: 0,
    };
    if (stores(request)) next.previousResponseId = response.id;
    return next;
  },
  withOutputs(conversation, outputs) {
    const conv = responsesOf(conversation);
    return { ...conv, input: [...conv.input, ...(outputs as ResponsesItem[])], unsent: conv.unsent + outputs.length };
  },
};
