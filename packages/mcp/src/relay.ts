import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolRequestSchema,
  ElicitResultSchema,
  ErrorCode,
  type Implementation,
  type JSONRPCMessage,
  type JSONRPCNotification,
  type JSONRPCRequest,
  ListToolsResultSchema,
  type RequestId,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { CallContext, GatedToolRunner, ProvenanceRecorder } from '@tollgate/core';
import { errorText } from '@tollgate/core';
import { describe, fromRpcError, McpCallError, type RpcError } from './errors.js';
import { McpReason } from './reasons.js';
import { denialResult } from './results.js';
import type { HostInfo } from './server.js';
import type { GatedToolCalls, HostSession } from './tool-calls.js';
import { type CallLimits, type RegisterOptions, registerMcpTools, type SkippedTool } from './tools.js';

/** Options for {@link McpRelay}. */
export interface McpRelayOptions {
  /** The host's side: a server transport (stdio, Streamable HTTP). */
  host: Transport;
  /** The server's side: a client transport (usually a {@link ChildProcessTransport}). */
  server: Transport;
  /** This session's runner; the server's tools are registered into it as they are listed. */
  runner: GatedToolRunner;
  /** Answers the gated calls (shared by a proxy's sessions, so a repeat call finds its approval). */
  calls: GatedToolCalls;
  /** Bounds on each tool call, and on the handshake and tool listing. */
  limits: CallLimits;
  /** Who a host's calls run as; a throw blocks the call. */
  context: (host: HostInfo) => CallContext;
  /** The server's name on its tools (default: the name it gives in `initialize`). */
  name?: string;
  /** A tool's gate options and tool-only gates, from its MCP listing. */
  toolGates?: RegisterOptions['toolGates'];
  /** Where the relay reports what it could not do (tools skipped, messages dropped). */
  log?: (line: string) => void;
}

type Pending =
  | { kind: 'host'; hostId: RequestId; method: string; timer?: NodeJS.Timeout }
  | { kind: 'own'; resolve: (result: Record<string, unknown>) => void; reject: (error: RpcError) => void };

type ToHost =
  | { kind: 'server'; serverId: RequestId }
  | { kind: 'own'; resolve: (r: unknown) => void; reject: (e: Error) => void };

/** Requests that involve the proxy itself; these are bounded by `timeoutMs` even when forwarded. */
const BOUNDED = new Set(['initialize', 'tools/list']);
const MAX_PAGES = 100;

/**
 * One host session of the proxy: relays JSON-RPC between a host and a server, message by message, and gates
 * `tools/call`. Every other request, response and notification (resources, prompts, completions, logging,
 * sampling, elicitation and roots the server asks for, tasks, progress, cancellation, list changes) passes
 * unchanged, with request ids mapped so the proxy's own requests never collide with either side's. A gated call
 * goes through the runner; when allowed it reaches the server with the host's `_meta` (progress token) and
 * `task`, and its answer goes back as the server sent it. `tools/list` answers list only the tools that could be
 * registered (a tool whose schema cannot be checked is never offered).
 *
 * When the server exits, pending requests fail at once (tool calls as `mcp_server_exited`), then the host side is
 * closed; when the host goes, the server is stopped (see {@link ChildProcessTransport.close}).
 */
export class McpRelay {
  private readonly toServer = new Map<RequestId, Pending>();
  private readonly forwarded = new Map<RequestId, RequestId>();
  private readonly toHost = new Map<RequestId, ToHost>();
  private readonly serverAsks = new Map<RequestId, RequestId>();
  private readonly gated = new Map<RequestId, { controller: AbortController; done: Promise<void> }>();
  private readonly cancelled = new Set<RequestId>();
  private readonly progressOwners = new Map<string | number, RequestId>();
  private nextServerId = 1;
  private nextHostId = 1;
  private hostCapabilities: Record<string, unknown> = {};
  private hostClient: Implementation | undefined;
  private serverName: string | undefined;
  private listing: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private resolveClosed!: () => void;
  /** Resolves when the session has ended, from either side. */
  readonly closed: Promise<void> = new Promise((resolve) => {
    this.resolveClosed = resolve;
  });
  private readonly skipped: SkippedTool[] = [];
  /** This host session's provenance: every tool result the host receives is recorded in it. */
  private readonly provenance: ProvenanceRecorder | undefined;

  constructor(private readonly options: McpRelayOptions) {
    this.serverName = options.name;
    this.provenance = options.calls.newProvenance();
  }

  /** Starts the server side, then the host side. Rejects when the server cannot start. */
  async start(): Promise<void> {
    const { host, server } = this.options;
    server.onmessage = (message) => this.fromServer(message);
    server.onerror = (err) => this.log(`server: ${errorText(err)}`);
    server.onclose = () => void this.serverGone();
    host.onmessage = (message) => this.fromHost(message);
    host.onerror = (err) => this.log(`host: ${errorText(err)}`);
    host.onclose = () => void this.close();
    await server.start();
    await host.start();
  }

  /** Tools the server listed that could not be registered, and why. */
  get skippedTools(): readonly SkippedTool[] {
    return this.skipped;
  }

  /** Ends the session: in-flight gated calls are cancelled, the server is stopped, the host side closed. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    // Assigned before anything runs: closing a transport calls its onclose, which calls close() again.
    let done!: () => void;
    this.closing = new Promise((resolve) => {
      done = resolve;
    });
    for (const { controller } of this.gated.values()) controller.abort(new Error('the session closed'));
    this.failPending('the proxy session closed');
    void Promise.allSettled([this.options.server.close(), this.options.host.close()]).then(() => {
      this.resolveClosed();
      done();
    });
    return this.closing;
  }

  // ---- host → server

  private fromHost(message: JSONRPCMessage): void {
    if ('method' in message) {
      if ('id' in message) this.hostRequest(message);
      else this.hostNotification(message);
      return;
    }
    if (message.id === undefined) return;
    const entry = this.toHost.get(message.id);
    if (!entry) return;
    this.toHost.delete(message.id);
    if (entry.kind === 'own') {
      if ('error' in message) entry.reject(new Error(message.error.message));
      else entry.resolve(message.result);
      return;
    }
    this.serverAsks.delete(entry.serverId);
    this.sendServer({ ...message, id: entry.serverId } as JSONRPCMessage);
  }

  private hostRequest(request: JSONRPCRequest): void {
    if (request.method === 'initialize') {
      const params = request.params as { capabilities?: Record<string, unknown>; clientInfo?: Implementation };
      this.hostCapabilities = params?.capabilities ?? {};
      this.hostClient = params?.clientInfo;
    }
    if (request.method === 'tools/call') {
      this.gatedCall(request);
      return;
    }
    this.forward(request);
  }

  private hostNotification(notification: JSONRPCNotification): void {
    if (notification.method === 'notifications/cancelled') {
      const requestId = (notification.params as { requestId?: RequestId } | undefined)?.requestId;
      if (requestId === undefined) return;
      const call = this.gated.get(requestId);
      if (call) {
        this.cancelled.add(requestId);
        call.controller.abort(new Error('the host cancelled the call'));
        return;
      }
      const serverId = this.forwarded.get(requestId);
      if (serverId === undefined) return;
      this.cancelled.add(requestId);
      this.sendServer({ ...notification, params: { ...notification.params, requestId: serverId } });
      return;
    }
    this.sendServer(notification);
    if (notification.method === 'notifications/initialized') void this.ensureTools().catch(() => undefined);
  }

  private forward(request: JSONRPCRequest): void {
    const id = this.nextServerId++;
    const entry: Pending = { kind: 'host', hostId: request.id, method: request.method };
    if (BOUNDED.has(request.method)) {
      entry.timer = setTimeout(() => {
        this.toServer.delete(id);
        this.forwarded.delete(request.id);
        this.cancelServer(id, 'timed out');
        this.sendHost(
          errorResponse(
            request.id,
            ErrorCode.RequestTimeout,
            `The MCP server did not answer ${request.method} within ${this.options.limits.timeoutMs} ms.`,
          ),
        );
      }, this.options.limits.timeoutMs);
    }
    this.toServer.set(id, entry);
    this.forwarded.set(request.id, id);
    this.ownProgress(request, request.id);
    this.options.server.send({ ...request, id }).catch((err) => {
      this.settleServer(id, {
        code: ErrorCode.ConnectionClosed,
        message: `The MCP server is not running (${errorText(err)}).`,
      });
    });
  }

  // ---- server → host

  private fromServer(message: JSONRPCMessage): void {
    if ('method' in message) {
      if ('id' in message) {
        const id = this.nextHostId++;
        this.toHost.set(id, { kind: 'server', serverId: message.id });
        this.serverAsks.set(message.id, id);
        this.sendHost({ ...message, id });
      } else {
        this.serverNotification(message);
      }
      return;
    }
    if (message.id === undefined) {
      this.log(`the server sent an error without an id: ${'error' in message ? message.error.message : ''}`);
      return;
    }
    if ('error' in message) this.settleServer(message.id, message.error);
    else this.settleServer(message.id, undefined, message.result);
  }

  private serverNotification(notification: JSONRPCNotification): void {
    const params = notification.params as Record<string, unknown> | undefined;
    if (notification.method === 'notifications/progress') {
      const owner = this.progressOwners.get(params?.progressToken as string | number);
      this.sendHost(notification, owner === undefined ? undefined : { relatedRequestId: owner });
      return;
    }
    if (notification.method === 'notifications/cancelled') {
      const hostId = this.serverAsks.get(params?.requestId as RequestId);
      if (hostId === undefined) return;
      this.serverAsks.delete(params?.requestId as RequestId);
      this.toHost.delete(hostId);
      this.sendHost({ ...notification, params: { ...params, requestId: hostId } });
      return;
    }
    if (notification.method === 'notifications/tools/list_changed') {
      this.listing = undefined;
      void this.ensureTools()
        .catch(() => undefined)
        .then(() => this.sendHost(notification));
      return;
    }
    this.sendHost(notification);
  }

  private settleServer(id: RequestId, error: RpcError | undefined, result?: Record<string, unknown>): void {
    const entry = this.toServer.get(id);
    if (!entry) return;
    this.toServer.delete(id);
    if (entry.kind === 'own') {
      if (error) entry.reject(error);
      else entry.resolve(result ?? {});
      return;
    }
    clearTimeout(entry.timer);
    this.forwarded.delete(entry.hostId);
    if (this.cancelled.delete(entry.hostId)) return;
    if (error) {
      this.sendHost({ jsonrpc: '2.0', id: entry.hostId, error });
      return;
    }
    if (entry.method === 'initialize') this.learnServer(result);
    if (entry.method === 'tools/list' && result) {
      void this.gatedList(result).then((listed) => this.sendHost({ jsonrpc: '2.0', id: entry.hostId, result: listed }));
      return;
    }
    this.sendHost({ jsonrpc: '2.0', id: entry.hostId, result: result ?? {} });
  }

  private learnServer(result: Record<string, unknown> | undefined): void {
    const info = result?.serverInfo as Implementation | undefined;
    if (this.serverName === undefined && typeof info?.name === 'string') this.serverName = info.name;
  }

  // ---- gated tools

  private gatedCall(request: JSONRPCRequest): void {
    const controller = new AbortController();
    const done = this.answerCall(request, controller).finally(() => {
      this.gated.delete(request.id);
      this.cancelled.delete(request.id);
    });
    this.gated.set(request.id, { controller, done });
  }

  private async answerCall(request: JSONRPCRequest, controller: AbortController): Promise<void> {
    const parsed = CallToolRequestSchema.safeParse(request);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? issue.path.join('.') : 'params';
      this.sendHost(
        errorResponse(request.id, ErrorCode.InvalidParams, `Invalid tools/call: ${where}: ${issue?.message}`),
      );
      return;
    }
    const token = parsed.data.params._meta?.progressToken;
    if (token !== undefined) this.progressOwners.set(token, request.id);
    try {
      const listed = await this.ensureTools().then(
        () => undefined,
        (err: unknown) => err,
      );
      if (listed !== undefined) {
        const error =
          listed instanceof McpCallError ? listed : new McpCallError(McpReason.serverExited, errorText(listed));
        const detail = `it did not list its tools: ${error.message}`;
        this.respondCall(
          request.id,
          denialResult({
            status: 'blocked',
            reason: error.code,
            message: `${describe(error.code, parsed.data.params.name, detail)} Nothing was called.`,
          }),
        );
        return;
      }
      let context: CallContext;
      try {
        context = this.options.context({ sessionId: this.options.host.sessionId, client: this.hostClient });
      } catch (err) {
        this.sendHost(
          errorResponse(
            request.id,
            ErrorCode.InternalError,
            `tollgate could not tell who is calling: ${errorText(err)}`,
          ),
        );
        return;
      }
      const session: HostSession = { context, client: this.hostClient, signal: controller.signal };
      if (this.provenance) session.provenance = this.provenance;
      if (this.hostCanElicit()) {
        session.elicit = async (params, { timeoutMs, signal }) =>
          ElicitResultSchema.parse(await this.askHost('elicitation/create', params, timeoutMs, signal, request.id));
      }
      const answer = await this.options.calls.answer(this.options.runner, parsed.data.params, session);
      if (controller.signal.aborted) return;
      if ('error' in answer)
        this.sendHost({ jsonrpc: '2.0', id: request.id, error: answer.error }, { relatedRequestId: request.id });
      else this.respondCall(request.id, answer.result);
    } finally {
      if (token !== undefined && this.progressOwners.get(token) === request.id) this.progressOwners.delete(token);
    }
  }

  private respondCall(id: RequestId, result: Record<string, unknown>): void {
    this.sendHost({ jsonrpc: '2.0', id, result }, { relatedRequestId: id });
  }

  /** Lists the server's tools (all pages) and registers the new ones, once per listing. */
  private ensureTools(): Promise<void> {
    this.listing ??= this.listTools().catch((err) => {
      this.listing = undefined;
      throw err;
    });
    return this.listing;
  }

  private async listTools(): Promise<void> {
    const tools: Tool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const raw = await this.requestServer(
        'tools/list',
        cursor === undefined ? {} : { cursor },
        this.options.limits.timeoutMs,
      );
      const parsed = ListToolsResultSchema.safeParse(raw);
      if (!parsed.success) {
        throw new McpCallError(McpReason.malformedResult, 'the tools/list answer is not a valid tool list');
      }
      tools.push(...parsed.data.tools);
      cursor = parsed.data.nextCursor;
      if (cursor === undefined) break;
    }
    this.register(tools);
  }

  private register(tools: readonly Tool[]): Set<string> {
    const { runner, limits } = this.options;
    const { skipped } = registerMcpTools(runner, tools, {
      server: this.serverName ?? 'mcp',
      limits,
      toolGates: this.options.toolGates,
      send: (params, { signal, timeoutMs }) => this.requestServer('tools/call', params, timeoutMs, signal, params.name),
    });
    for (const s of skipped) {
      if (this.skipped.some((k) => k.name === s.name)) continue;
      this.skipped.push(s);
      this.log(`tool ${s.name} is not offered: ${s.reason}`);
    }
    return new Set(runner.tools().map((t) => t.name));
  }

  /** A host's `tools/list` answer, less the tools that could not be registered (registering new ones). */
  private async gatedList(result: Record<string, unknown>): Promise<Record<string, unknown>> {
    const parsed = ListToolsResultSchema.safeParse(result);
    if (!parsed.success) return { ...result, tools: [] };
    const known = this.register(parsed.data.tools);
    const tools = (result.tools as Tool[]).filter((t) => known.has(t.name));
    return { ...result, tools };
  }

  /** Sends the proxy's own request to the server; rejects with an {@link McpCallError}. */
  private requestServer(
    method: string,
    params: Record<string, unknown>,
    timeoutMs: number,
    signal?: AbortSignal,
    tool = method,
  ): Promise<Record<string, unknown>> {
    const id = this.nextServerId++;
    return ownRequest<Record<string, unknown>>({
      timeoutMs,
      signal,
      track: (settle) =>
        this.toServer.set(id, {
          kind: 'own',
          resolve: settle.resolve,
          reject: (error) => settle.reject(fromRpcError(error, tool, timeoutMs)),
        }),
      untrack: () => this.toServer.delete(id),
      send: () => this.options.server.send({ jsonrpc: '2.0', id, method, params }),
      onTimeout: () => {
        this.cancelServer(id, 'timed out');
        return new McpCallError(McpReason.timeout, describe(McpReason.timeout, tool, 'no answer', timeoutMs));
      },
      onAbort: () => {
        this.cancelServer(id, 'cancelled by the host');
        return new McpCallError(McpReason.cancelled, describe(McpReason.cancelled, tool, errorText(signal?.reason)));
      },
      onSendError: (err) =>
        new McpCallError(McpReason.notConnected, describe(McpReason.notConnected, tool, errorText(err))),
    });
  }

  /** Sends the proxy's own request to the host (an approval's elicitation). */
  private askHost(
    method: string,
    params: Record<string, unknown>,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    relatedRequestId: RequestId,
  ): Promise<unknown> {
    const id = this.nextHostId++;
    return ownRequest<unknown>({
      timeoutMs,
      signal,
      track: (settle) => this.toHost.set(id, { kind: 'own', ...settle }),
      untrack: () => this.toHost.delete(id),
      send: () => this.options.host.send({ jsonrpc: '2.0', id, method, params }, { relatedRequestId }),
      onTimeout: () => {
        this.sendHost({
          jsonrpc: '2.0',
          method: 'notifications/cancelled',
          params: { requestId: id, reason: 'timed out' },
        });
        return new Error(`no answer within ${timeoutMs} ms`);
      },
      onAbort: () => new Error('the call was cancelled'),
      onSendError: (err) => (err instanceof Error ? err : new Error(errorText(err))),
    });
  }

  private hostCanElicit(): boolean {
    const e = this.hostCapabilities.elicitation;
    if (typeof e !== 'object' || e === null) return false;
    return Object.keys(e).length === 0 || 'form' in e;
  }

  // ---- plumbing

  private ownProgress(request: JSONRPCRequest, hostId: RequestId): void {
    const token = (request.params as { _meta?: { progressToken?: string | number } } | undefined)?._meta?.progressToken;
    if (token !== undefined) this.progressOwners.set(token, hostId);
  }

  private cancelServer(id: RequestId, reason: string): void {
    this.sendServer({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason } });
  }

  private sendServer(message: JSONRPCMessage): void {
    this.options.server.send(message).catch((err) => this.log(`could not send to the server: ${errorText(err)}`));
  }

  private sendHost(message: JSONRPCMessage, options?: TransportSendOptions): void {
    this.options.host.send(message, options).catch((err) => this.log(`could not send to the host: ${errorText(err)}`));
  }

  /** Fails every request waiting for the server: forwarded ones with a JSON-RPC error, the proxy's own ones too. */
  private failPending(why: string): void {
    for (const id of [...this.toServer.keys()]) {
      this.settleServer(id, { code: ErrorCode.ConnectionClosed, message: why });
    }
    for (const [id, entry] of [...this.toHost.entries()]) {
      this.toHost.delete(id);
      if (entry.kind === 'own') entry.reject(new Error(why));
    }
  }

  private async serverGone(): Promise<void> {
    if (this.closing) return;
    const exit = await exitOf(this.options.server);
    this.log(`the MCP server exited${exit}`);
    this.failPending(`The MCP server exited${exit} before it answered.`);
    // Let the calls in flight answer (they fail now), then end the session.
    await Promise.race([Promise.allSettled([...this.gated.values()].map((g) => g.done)), delay(5000)]);
    await this.close();
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}

/** How one of the proxy's own requests is tracked and what ends it. */
interface OwnRequest<T> {
  timeoutMs: number;
  signal: AbortSignal | undefined;
  /** Registers the request, with what settles it when its answer comes. */
  track: (settle: { resolve: (value: T) => void; reject: (error: Error) => void }) => void;
  untrack: () => void;
  send: () => Promise<void>;
  onTimeout: () => Error;
  onAbort: () => Error;
  onSendError: (err: unknown) => Error;
}

/** A request the proxy makes itself: settled once, by its answer, its timeout, an abort, or a failed send. */
function ownRequest<T>(request: OwnRequest<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', aborted);
      request.untrack();
      settle();
    };
    const timer = setTimeout(() => finish(() => reject(request.onTimeout())), request.timeoutMs);
    const aborted = () => finish(() => reject(request.onAbort()));
    if (request.signal?.aborted) return aborted();
    request.signal?.addEventListener('abort', aborted, { once: true });
    request.track({ resolve: (value) => finish(() => resolve(value)), reject: (error) => finish(() => reject(error)) });
    request.send().catch((err: unknown) => finish(() => reject(request.onSendError(err))));
  });
}

function errorResponse(id: RequestId, code: number, message: string): JSONRPCMessage {
  return { jsonrpc: '2.0', id, error: { code, message } };
}

async function exitOf(transport: Transport): Promise<string> {
  const exited = (transport as { exited?: () => Promise<{ code: number | null; signal: string | null }> }).exited;
  if (typeof exited !== 'function') return '';
  const exit = await Promise.race([exited.call(transport), delay(500).then(() => undefined)]);
  if (!exit) return '';
  return exit.signal ? ` (signal ${exit.signal})` : ` (code ${exit.code})`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
