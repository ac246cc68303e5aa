import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  type Implementation,
  ListToolsRequestSchema,
  McpError,
  ResultSchema,
  type ServerCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import type { CallContext, GatedToolRunner, ProvenanceRecorder } from '@tollgate/core';
import { errorText } from '@tollgate/core';
import type { GatedMcpClient } from './client.js';
import type { RpcError } from './errors.js';
import { PACKAGE_INFO } from './info.js';
import { GatedToolCalls, type GatedToolCallsOptions, type HostSession } from './tool-calls.js';
import { hostTool } from './tools.js';

/** What a server knows about the host calling it, for {@link GatedMcpServerOptions.context}. */
export interface HostInfo {
  /** The transport's session id (Streamable HTTP), if any. */
  sessionId?: string;
  /** The host's `clientInfo` from its `initialize`. */
  client?: Implementation;
}

/** Options for {@link createGatedMcpServer}. */
export interface GatedMcpServerOptions extends GatedToolCallsOptions {
  /** The runner whose tools are served (give this or `client`). */
  runner?: GatedToolRunner;
  /**
   * A gated client whose tools are served through its runner; its server's resources, prompts, completions and
   * logging are passed through too (requests from the host, notifications from the server). Requests the server
   * itself sends (sampling, elicitation, roots) are not: for a full pass-through use the proxy.
   */
  client?: GatedMcpClient;
  /** How this server introduces itself (default: the client's server's, or `@tollgate/mcp`). */
  serverInfo?: Implementation;
  /** Instructions for the host's model (default: the client's server's). */
  instructions?: string;
  /** Who a host's calls run as (default `{}`); a throw blocks the call. */
  context?: (host: HostInfo) => CallContext;
  /** How long a passed-through request waits for the client's server (ms, default 60,000). */
  timeoutMs?: number;
}

const MAX_SESSIONS = 10_000;
const PASSED_THROUGH = ['resources', 'prompts', 'completions', 'logging'] as const;

/**
 * An MCP server (the SDK's `Server`, not yet connected: `await server.connect(transport)`) whose tools are a
 * runner's, each call passing the gates first (see {@link GatedToolCalls} for what blocked and paused calls
 * return, and how approvals are asked for through elicitation). `tools/list` lists the runner's tools (an MCP
 * server's tools as that server listed them).
 * @throws {TypeError} when neither `runner` nor `client` is given
 */
export function createGatedMcpServer(options: GatedMcpServerOptions): Server {
  const runner = options.runner ?? options.client?.runner;
  if (!runner) throw new TypeError('createGatedMcpServer needs a runner or a client');
  const upstream = options.client?.client;
  const capabilities: ServerCapabilities = { tools: { listChanged: true } };
  const theirs = upstream?.getServerCapabilities() ?? {};
  for (const key of PASSED_THROUGH) if (theirs[key]) Object.assign(capabilities, { [key]: theirs[key] });
  const instructions = options.instructions ?? upstream?.getInstructions();
  const server = new Server(options.serverInfo ?? upstream?.getServerVersion() ?? PACKAGE_INFO, {
    capabilities,
    ...(instructions === undefined ? {} : { instructions }),
  });
  const calls = new GatedToolCalls(options);
  const provenance = new Map<string, ProvenanceRecorder | undefined>();
  const provenanceOf = (sessionId: string | undefined): ProvenanceRecorder | undefined => {
    const key = sessionId ?? '';
    if (!provenance.has(key)) {
      // One recorder per host session; the oldest session's is dropped first past the cap.
      if (provenance.size >= MAX_SESSIONS) provenance.delete(provenance.keys().next().value as string);
      provenance.set(key, calls.newProvenance());
    }
    return provenance.get(key);
  };

  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: runner.tools().map(hostTool) }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const client = server.getClientVersion();
    let context: CallContext;
    try {
      context = options.context?.({ sessionId: extra.sessionId, client }) ?? {};
    } catch (err) {
      throw rpcError({ code: -32603, message: `tollgate could not tell who is calling: ${errorText(err)}` });
    }
    const token = request.params._meta?.progressToken;
    const session: HostSession = { context, client, signal: extra.signal };
    const recorder = provenanceOf(extra.sessionId);
    if (recorder) session.provenance = recorder;
    if (server.getClientCapabilities()?.elicitation?.form) {
      session.elicit = (params, { timeoutMs, signal }) =>
        server.elicitInput(params, { timeout: timeoutMs, signal, relatedRequestId: extra.requestId });
    }
    if (token !== undefined) {
      session.onprogress = (progress) =>
        void extra
          .sendNotification({ method: 'notifications/progress', params: { ...progress, progressToken: token } })
          .catch(() => undefined);
    }
    const answer = await calls.answer(runner, request.params, session);
    if ('error' in answer) throw rpcError(answer.error);
    return answer.result;
  });

  if (upstream && options.client) {
    const timeout = options.timeoutMs ?? 60_000;
    server.fallbackRequestHandler = async (request, extra) => {
      try {
        return await upstream.request(request, ResultSchema, { signal: extra.signal, timeout });
      } catch (err) {
        if (err instanceof McpError) throw rpcError({ code: err.code, message: unprefixed(err), data: err.data });
        throw err;
      }
    };
    server.fallbackNotificationHandler = (notification) => upstream.notification(notification).catch(() => undefined);
    upstream.fallbackNotificationHandler = (notification) => server.notification(notification).catch(() => undefined);
    options.client.onToolsChanged(() => void server.sendToolListChanged().catch(() => undefined));
  }
  return server;
}

/** An error the SDK sends as this JSON-RPC error, code, message and data as they are. */
function rpcError(error: RpcError): Error {
  return Object.assign(new Error(error.message), { code: error.code, data: error.data });
}

/** The server's own message: McpError prefixes `MCP error <code>: `. */
function unprefixed(err: McpError): string {
  return err.message.replace(/^MCP error -?\d+: /, '');
}
