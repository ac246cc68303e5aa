import type OpenAI from 'openai';
import { ChatStreamAssembler } from './chat-stream.js';
import type { ApiDriver, ModelTurn, TurnPiece, TurnRequest } from './driver.js';
import { chatToolSchemas } from './schemas.js';
import type { ChatMessage, Conversation } from './types.js';

type Completion = OpenAI.Chat.Completions.ChatCompletion;

function messagesOf(conversation: Conversation): ChatMessage[] {
  if (conversation.api !== 'chat') throw new TypeError('A Chat Completions loop got a Responses conversation');
  return conversation.messages;
}

function turnOf(completion: Completion): ModelTurn {
  const message = completion.choices[0]?.message;
  const toolCalls = (message?.tool_calls ?? []).flatMap((c) =>
    c.type === 'function' ? [{ callId: c.id, name: c.function.name, arguments: c.function.arguments }] : [],
  );
  return { response: completion, text: message?.content ?? '', toolCalls };
}

async function* chatTurn(conversation: Conversation, req: TurnRequest): AsyncGenerator<TurnPiece, ModelTurn> {
  const tools = chatToolSchemas(req.runner);
  const body = {
    ...req.request,
    model: req.model,
    messages: messagesOf(conversation),
    ...(tools.length > 0 ? { tools } : {}),
  } as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
  if (!req.stream) return turnOf(await req.send(() => req.client.chat.completions.create({ ...body, stream: false })));
  const stream = await req.send(() =>
    req.client.chat.completions.create({
      ...body,
      stream: true,
      stream_options: { ...body.stream_options, include_usage: true },
    }),
  );
  const assembler = new ChatStreamAssembler();
  for await (const chunk of stream) yield* assembler.add(chunk);
  yield* assembler.end();
  return turnOf(assembler.completion());
}

/** Chat Completions: the conversation is `messages`; every request sends all of it. */
export const chatApi: ApiDriver = {
  api: 'chat',
  turn: chatTurn,
  withTurn(conversation, turn) {
    const message = (turn.response as Completion).choices[0]?.message;
    const assistant: OpenAI.Chat.Completions.ChatCompletionAssistantMessageParam = {
      role: 'assistant',
      content: message?.content ?? null,
    };
    if (message?.tool_calls?.length) assistant.tool_calls = message.tool_calls;
    return { api: 'chat', messages: [...messagesOf(conversation), assistant] };
  },
  withOutputs(conversation, outputs) {
    return { api: 'chat', messages: [...messagesOf(conversation), ...(outputs as ChatMessage[])] };
  },
};
