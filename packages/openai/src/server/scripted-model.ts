import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { errorText } from '@tollgate/core';
import { chatChunks, chatCompletion } from './chat-format.js';
import { newResponseId, outputItems, responseEvents, responseObject } from './responses-format.js';
import { renderTurn } from './turn.js';
import type {
  RespondFunction,
  ScriptedApi,
  ScriptedError,
  ScriptedRequest,
  ScriptedToolOutput,
  ScriptedTurn,
} from './types.js';

/** Options for {@link startScriptedModel}: give `turns` or `respond`. */
export interface ScriptedModelOptions {
  /** TCP port to listen on (default 0: any free port). */
  port?: number;
  /** Interface to bind (default `127.0.0.1`). */
  host?: string;
  /** Turns answered in order, one per request, whichever endpoint it comes to. */
  turns?: readonly ScriptedTurn[];
  /** Decides each turn from the parsed request; takes precedence over `turns`. */
  respond?: RespondFunction;
}

/** A running scripted model. */
export interface ScriptedModel {
  /** Pass as the SDK's `baseURL`: `http://127.0.0.1:PORT/v1`. */
  baseURL: string;
  /** Every request received, parsed, in arrival order (live: it grows as requests arrive). */
  requests: ScriptedRequest[];
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

const ROUTES: Record<string, ScriptedApi> = { '/v1/chat/completions': 'chat', '/v1/responses': 'responses' };

/**
 * Starts an OpenAI-compatible HTTP server whose "model" follows a script: `POST /v1/chat/completions` and
 * `POST /v1/responses`, streamed (server-sent events in the formats the official SDK parses) or not.
 * Responses stored (the default, `store` not false) can be continued with `previous_response_id`; an unknown
 * id is a 400 `previous_response_not_found`, as on the real API. When the script has no turn left, or
 * `respond` throws, the endpoint answers 500 with OpenAI's error body, so the SDK raises an `APIError`.
 */
export async function startScriptedModel(options: ScriptedModelOptions): Promise<ScriptedModel> {
  const requests: ScriptedRequest[] = [];
  const stored = new Map<string, Record<string, unknown>[]>();
  const queue = [...(options.turns ?? [])];
  const respond: RespondFunction =
    options.respond ??
    (() => {
      const next = queue.shift();
      if (next) return next;
      throw new Error(`The scripted model has no turn left for request ${requests.length}.`);
    });

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      sendError(res, { status: 500, message: errorText(err) });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const api = ROUTES[(req.url ?? '').split('?')[0] ?? ''];
    if (req.method !== 'POST' || !api) {
      return sendError(res, {
        status: 404,
        message: `No route ${req.method} ${req.url}`,
        type: 'invalid_request_error',
      });
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await text(req));
    } catch {
      return sendError(res, { status: 400, message: 'The body is not valid JSON.', type: 'invalid_request_error' });
    }
    const previous = api === 'responses' ? (body.previous_response_id as string | undefined) : undefined;
    const history = previous ? stored.get(previous) : [];
    const request = parseRequest(api, body, history ?? []);
    requests.push(request);
    if (!history) {
      return sendError(res, {
        status: 400,
        message: `Previous response with id '${previous}' not found.`,
        type: 'invalid_request_error',
        code: 'previous_response_not_found',
      });
    }
    const turn = await respond(request);
    if (turn.error) return sendError(res, turn.error);
    const rendered = renderTurn(turn.text, turn.toolCalls ?? [], body);

    if (api === 'chat') {
      if (!request.stream) return sendJson(res, 200, chatCompletion(rendered, request.model));
      const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
      startSse(res);
      for (const chunk of chatChunks(rendered, request.model, includeUsage))
        res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      res.end('data: [DONE]\n\n');
      return;
    }
    const id = newResponseId();
    request.responseId = id;
    const output = outputItems(rendered);
    if (request.store !== false) stored.set(id, [...request.conversation, ...output]);
    if (!request.stream) return sendJson(res, 200, responseObject(id, rendered, output, body, 'completed'));
    startSse(res);
    for (const event of responseEvents(id, rendered, output, body)) {
      res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    }
    res.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    baseURL: `http://${address}:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function parseRequest(api: ScriptedApi, body: Record<string, unknown>, history: Record<string, unknown>[]) {
  const raw = api === 'chat' ? body.messages : body.input;
  const items: Record<string, unknown>[] =
    typeof raw === 'string' ? [{ role: 'user', content: raw }] : Array.isArray(raw) ? raw : [];
  const conversation = [...history, ...items];
  const request: ScriptedRequest = {
    api,
    body,
    model: String(body.model ?? ''),
    stream: body.stream === true,
    toolNames: toolNames(body.tools),
    items,
    conversation,
    toolOutputs: trailingToolOutputs(conversation),
  };
  if (api === 'responses') {
    if (typeof body.previous_response_id === 'string') request.previousResponseId = body.previous_response_id;
    if (typeof body.store === 'boolean') request.store = body.store;
  }
  return request;
}

function toolNames(tools: unknown): string[] {
  if (!Array.isArray(tools)) return [];
  return tools.map((t: { name?: string; function?: { name?: string } }) => t.function?.name ?? t.name ?? '');
}

/** The outputs answering the model's last tool calls: tool messages / function_call_output items at the end. */
function trailingToolOutputs(conversation: Record<string, unknown>[]): ScriptedToolOutput[] {
  const out: ScriptedToolOutput[] = [];
  for (let i = conversation.length - 1; i >= 0; i--) {
    const item = conversation[i]!;
    if (item.role === 'tool') out.push({ callId: String(item.tool_call_id), output: item.content });
    else if (item.type === 'function_call_output') out.push({ callId: String(item.call_id), output: item.output });
    else break;
  }
  return out.reverse();
}

function startSse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, error: ScriptedError): void {
  if (res.headersSent) return void res.end();
  sendJson(res, error.status, {
    error: { message: error.message, type: error.type ?? 'server_error', param: null, code: error.code ?? null },
  });
}
