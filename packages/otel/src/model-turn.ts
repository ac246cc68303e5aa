import {
  type Attributes,
  type Context,
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  ERROR_TYPE,
  GEN_AI_OPERATION_NAME,
  GEN_AI_PROVIDER_NAME,
  GEN_AI_REQUEST_MODEL,
  GEN_AI_RESPONSE_FINISH_REASONS,
  GEN_AI_RESPONSE_ID,
  GEN_AI_RESPONSE_MODEL,
  GEN_AI_USAGE_INPUT_TOKENS,
  GEN_AI_USAGE_OUTPUT_TOKENS,
} from './attributes.js';
import { tracerOf } from './tracer.js';

/** What a model turn's span says about the request. */
export interface ModelTurnOptions {
  /** The tracer (default: `@tollgate/otel`'s tracer from the globally registered provider). */
  tracer?: Tracer;
  /** `gen_ai.operation.name` (default `chat`). */
  operation?: string;
  /** `gen_ai.provider.name`, e.g. `openai`. */
  provider?: string;
  /** `gen_ai.request.model`, e.g. `gpt-5-mini`; the span is named `{operation} {model}`. */
  model?: string;
  /** More attributes for the span (your own, under your own prefix). */
  attributes?: Attributes;
  /** The parent context (default: the active one). */
  parent?: Context;
}

/** What the model answered, for the span. */
export interface ModelResponse {
  /** `gen_ai.response.id`. */
  id?: string;
  /** `gen_ai.response.model`. */
  model?: string;
  /** `gen_ai.response.finish_reasons`, one per choice (`stop`, `tool_calls`…). */
  finishReasons?: string[];
  /** `gen_ai.usage.input_tokens`. */
  inputTokens?: number;
  /** `gen_ai.usage.output_tokens`. */
  outputTokens?: number;
}

/** An open model turn: its span, and the context in which the turn's tool calls run as its children. */
export interface OpenModelTurn {
  /** The turn's span (kind CLIENT). */
  readonly span: Span;
  /** The context with the turn's span active: run the turn's tool calls in it (`context.with`). */
  readonly context: Context;
  /** Runs `fn` with the turn's span active, so the tool calls' spans become its children. */
  within<T>(fn: () => T): T;
  /** Records what the model answered (call it any time before `end`). */
  response(response: ModelResponse): void;
  /** Ends the span; with an error, records it (span status ERROR, `error.type` its name). Ending twice is harmless. */
  end(error?: unknown): void;
}

/**
 * Opens a span for one model turn, as the GenAI semantic conventions name an inference span: `{operation}
 * {model}` (`chat gpt-5-mini`), kind CLIENT, with `gen_ai.operation.name`, `gen_ai.provider.name` and
 * `gen_ai.request.model`. For adapters whose loop cannot be wrapped in one function (generators, streams); see
 * {@link modelTurn} for the plain form.
 */
export function startModelTurn(options: ModelTurnOptions = {}): OpenModelTurn {
  const tracer = options.tracer ?? tracerOf();
  const operation = options.operation ?? 'chat';
  const attributes: Attributes = { [GEN_AI_OPERATION_NAME]: operation, ...options.attributes };
  if (options.provider !== undefined) attributes[GEN_AI_PROVIDER_NAME] = options.provider;
  if (options.model !== undefined) attributes[GEN_AI_REQUEST_MODEL] = options.model;
  const parent = options.parent ?? context.active();
  const name = options.model === undefined ? operation : `${operation} ${options.model}`;
  const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, parent);
  const active = trace.setSpan(parent, span);
  let ended = false;
  return {
    span,
    context: active,
    within: (fn) => context.with(active, fn),
    response(r) {
      const attrs: Attributes = {};
      if (r.id !== undefined) attrs[GEN_AI_RESPONSE_ID] = r.id;
      if (r.model !== undefined) attrs[GEN_AI_RESPONSE_MODEL] = r.model;
      if (r.finishReasons !== undefined) attrs[GEN_AI_RESPONSE_FINISH_REASONS] = r.finishReasons;
      if (r.inputTokens !== undefined) attrs[GEN_AI_USAGE_INPUT_TOKENS] = r.inputTokens;
      if (r.outputTokens !== undefined) attrs[GEN_AI_USAGE_OUTPUT_TOKENS] = r.outputTokens;
      span.setAttributes(attrs);
    },
    end(error) {
      if (ended) return;
      ended = true;
      if (error !== undefined) {
        const err = error instanceof Error ? error : new Error(String(error));
        span.recordException(err);
        span.setAttribute(ERROR_TYPE, err.name);
        span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
      }
      span.end();
    },
  };
}

/**
 * Runs one model turn (the model call and the tool calls it asks for) inside its span: the tool calls' spans
 * become its children. Ends the span when `fn` settles; a rejection is recorded (status ERROR) and rethrown.
 */
export async function modelTurn<T>(options: ModelTurnOptions, fn: (turn: OpenModelTurn) => T | Promise<T>): Promise<T> {
  const turn = startModelTurn(options);
  try {
    const value = await turn.within(() => fn(turn));
    turn.end();
    return value;
  } catch (err) {
    turn.end(err);
    throw err;
  }
}
