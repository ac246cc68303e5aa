import type OpenAI from 'openai';
import type { TurnPiece } from './driver.js';

type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk;
type Completion = OpenAI.Chat.Completions.ChatCompletion;

/**
 * Assembles a streamed chat completion from its chunks, and tells when each tool call's arguments are
 * complete: when a later call starts, or when the choice finishes. (The SDK's `stream()` helper assembles
 * too, but it JSON-parses the arguments of strict tools and throws on malformed ones, which the runner must
 * see and refuse instead.)
 */
export class ChatStreamAssembler {
  private id = '';
  private created = 0;
  private model = '';
  private content = '';
  private finishReason: Completion['choices'][number]['finish_reason'] = 'stop';
  private usage: Completion['usage'];
  private readonly calls: { id: string; name: string; arguments: string }[] = [];
  private announced = 0;

  /** Takes one chunk; returns the text delta and the tool calls it completed. */
  add(chunk: Chunk): TurnPiece[] {
    this.id ||= chunk.id;
    this.created ||= chunk.created;
    this.model ||= chunk.model;
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) return [];
    const pieces: TurnPiece[] = [];
    if (choice.delta.content) {
      this.content += choice.delta.content;
      pieces.push({ type: 'llm_delta', delta: choice.delta.content });
    }
    for (const delta of choice.delta.tool_calls ?? []) {
      pieces.push(...this.complete(delta.index));
      this.calls[delta.index] ??= { id: '', name: '', arguments: '' };
      const call = this.calls[delta.index]!;
      if (delta.id) call.id = delta.id;
      if (delta.function?.name) call.name = delta.function.name;
      if (delta.function?.arguments) call.arguments += delta.function.arguments;
    }
    if (choice.finish_reason) {
      this.finishReason = choice.finish_reason;
      pieces.push(...this.complete(this.calls.length));
    }
    return pieces;
  }

  /** Tool calls not announced yet (a stream cut before its finish chunk). */
  end(): TurnPiece[] {
    return this.complete(this.calls.length);
  }

  /** The assembled `ChatCompletion`, shaped as the non-streaming endpoint returns it. */
  completion(): Completion {
    const message: Completion['choices'][number]['message'] = {
      role: 'assistant',
      content: this.content || null,
      refusal: null,
    };
    if (this.calls.length > 0) {
      message.tool_calls = this.calls.map((c) => ({
        id: c.id,
        type: 'function',
        function: { name: c.name, arguments: c.arguments },
      }));
    }
    const completion: Completion = {
      id: this.id,
      object: 'chat.completion',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, message, finish_reason: this.finishReason, logprobs: null }],
    };
    if (this.usage) completion.usage = this.usage;
    return completion;
  }

  /** Announces every call before `index` (their arguments can no longer grow). */
  private complete(index: number): TurnPiece[] {
    const pieces: TurnPiece[] = [];
    for (; this.announced < index && this.announced < this.calls.length; this.announced++) {
      const c = this.calls[this.announced]!;
      pieces.push({ type: 'tool_call', call: { callId: c.id, name: c.name, arguments: c.arguments } });
    }
    return pieces;
  }
}
