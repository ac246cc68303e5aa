import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { CallContext, GatedToolRunner } from '@tollgate/core';
import { errorText } from '@tollgate/core';
import { type ChildExit, ChildProcessTransport } from './child-transport.js';
import { McpRelay } from './relay.js';
import type { HostInfo } from './server.js';
import { GatedToolCalls, type GatedToolCallsOptions } from './tool-calls.js';
import { type CallLimits, callLimits, type RegisterOptions } from './tools.js';

/** What every proxy needs: the server to start and the gates to put in front of it. */
export interface McpProxyOptions extends Partial<CallLimits> {
  /** The server's program (no shell). */
  command: string;
  /** Its arguments. */
  args?: readonly string[];
  /** Its environment (default: the proxy's own, as the host gave it). */
  env?: Record<string, string | undefined>;
  /** Its working directory. */
  cwd?: string;
  /**
   * Makes a session's runner: the policy's gates and approval store, no tools (the server's are registered as it
   * lists them). Called once per host session; give every runner the same gates and store.
   */
  runner: () => GatedToolRunner;
  /** How tool calls are answered; one instance serves every session (default: `new GatedToolCalls(calls)`). */
  calls?: GatedToolCalls | GatedToolCallsOptions;
  /** Who a host's calls run as (default `{}`); a throw blocks the call. */
  context?: (host: HostInfo) => CallContext;
  /** The server's name on its tools (default: the name it gives itself). */
  name?: string;
  /** A tool's gate options and tool-only gates (`gates`, `use`, `chargeOnError`), from its MCP listing. */
  toolGates?: RegisterOptions['toolGates'];
  /** Largest message read from the server (bytes, default 16 MiB). */
  maxMessageBytes?: number;
  /**
   * How long each step of stopping the server waits: end of stdin, then SIGTERM, then SIGKILL (ms, default 1000).
   * Short, because hosts escalate too: the SDK's client sends the proxy SIGTERM 2 s after closing its stdin.
   */
  closeStepMs?: number;
  /** Where the proxy reports what it could not do (default: nowhere). Never stdout: that is the protocol. */
  log?: (line: string) => void;
}

/** How a stdio proxy session ended. */
export interface StdioProxyExit {
  /** `host_closed` (end of stdin), `server_exited`, or `aborted` (the signal). */
  reason: 'host_closed' | 'server_exited' | 'aborted';
  /** How the server process ended. */
  server: ChildExit;
}

/** Options for {@link runStdioProxy}. */
export interface StdioProxyOptions extends McpProxyOptions {
  /** Where the host writes (default `process.stdin`). */
  stdin?: Readable;
  /** Where the host reads (default `process.stdout`). */
  stdout?: Writable;
  /** Aborting it ends the session and stops the server. */
  signal?: AbortSignal;
}

/**
 * Runs one gated session between a host on stdio and the server as a child process (see {@link McpRelay}),
 * until the host closes stdin, the server exits, or `signal` aborts; then stops the server (end of stdin, SIGTERM,
 * SIGKILL, to its whole process group) and resolves. Rejects only when the server cannot be started.
 */
export async function runStdioProxy(options: StdioProxyOptions): Promise<StdioProxyExit> {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const child = childOf(options);
  const relay = relayOf(options, new StdioServerTransport(stdin, stdout), child, sharedCalls(options.calls));
  let reason: StdioProxyExit['reason'] = 'server_exited';
  const hostGone = () => {
    reason = 'host_closed';
    void relay.close();
  };
  const aborted = () => {
    reason = 'aborted';
    void relay.close();
  };
  stdin.once('end', hostGone);
  stdin.once('close', hostGone);
  stdout.once('error', hostGone);
  options.signal?.addEventListener('abort', aborted, { once: true });
  try {
    await relay.start();
    if (options.signal?.aborted) aborted();
    await relay.closed;
  } finally {
    stdin.off('end', hostGone);
    stdin.off('close', hostGone);
    stdout.off('error', hostGone);
    options.signal?.removeEventListener('abort', aborted);
    await relay.close();
  }
  return { reason, server: await child.exited() };
}

/** Options for {@link startHttpProxy}. */
export interface HttpProxyOptions extends McpProxyOptions {
  /** Interface to listen on (default `127.0.0.1`). */
  host?: string;
  /** Port (default 0: any free port). */
  port?: number;
  /** The MCP endpoint's path (default `/mcp`). */
  path?: string;
  /**
   * A bearer token every request must carry (`Authorization: Bearer <token>`). Required when `host` is not a
   * loopback address: the proxy never serves tools to the network unauthenticated.
   */
  token?: string;
  /** Most sessions at once, each with its own server process (default 16); more are refused with 503. */
  maxSessions?: number;
  /**
   * A session with nothing open (no request in flight, no SSE stream) for this long is closed and its server
   * stopped (ms, default 1 hour).
   */
  sessionIdleMs?: number;
}

/** A running Streamable HTTP proxy. */
export interface HttpProxy {
  /** Its MCP endpoint, e.g. `http://127.0.0.1:41234/mcp`. */
  readonly url: string;
  /** Sessions open now. */
  readonly sessions: number;
  /** Closes every session (stopping their servers) and stops listening. */
  close(): Promise<void>;
}

interface Session {
  id?: string;
  relay: McpRelay;
  transport: StreamableHTTPServerTransport;
  idle: NodeJS.Timeout | undefined;
  /** Requests whose response is still open (an SSE stream included): the session is not idle while any is. */
  open: number;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const MAX_BODY = 4 * 1024 * 1024;

/**
 * Serves the gated server over Streamable HTTP: each host session (an `initialize` without a session id) gets
 * its own server process and relay, and ends on DELETE, when idle for `sessionIdleMs`, or when its server exits.
 * On a loopback address it refuses requests whose `Host` is not that address (DNS rebinding).
 * @throws {TypeError} for a non-loopback `host` without `token`; rejects when it cannot listen
 */
export async function startHttpProxy(options: HttpProxyOptions): Promise<HttpProxy> {
  const hostname = options.host ?? '127.0.0.1';
  const path = options.path ?? '/mcp';
  const token = options.token;
  if (!LOOPBACK.has(hostname) && !token) {
    throw new TypeError(
      `Listening on ${hostname} needs a bearer token: the proxy never serves tools to the network unauthenticated`,
    );
  }
  const maxSessions = options.maxSessions ?? 16;
  const idleMs = options.sessionIdleMs ?? 3_600_000;
  const calls = sharedCalls(options.calls);
  const sessions = new Map<string, Session>();
  const starting = new Set<McpRelay>();
  let port = 0;
  const allowedHosts = () => [`${hostname}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`];

  /** Counts a request as open until its response closes; the idle clock runs only while none is open. */
  const hold = (session: Session, res: ServerResponse) => {
    session.open++;
    clearTimeout(session.idle);
    res.once('close', () => {
      if (--session.open > 0) return;
      session.idle = setTimeout(() => void session.relay.close(), idleMs);
      session.idle.unref();
    });
  };

  const open = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readJson(req).catch((err: Error) => err);
    if (body instanceof Error) return reply(res, 400, body.message);
    if (!isInitialize(body))
      return reply(res, 400, 'No session: send initialize first, without an mcp-session-id header.');
    if (sessions.size + starting.size >= maxSessions)
      return reply(res, 503, `The proxy already serves ${maxSessions} sessions.`);
    const session = { open: 0 } as Session;
    hold(session, res);
    session.transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => {
        session.id = id;
        sessions.set(id, session);
      },
      ...(LOOPBACK.has(hostname) ? { enableDnsRebindingProtection: true, allowedHosts: allowedHosts() } : {}),
    });
    session.relay = relayOf(options, session.transport, childOf(options), calls);
    starting.add(session.relay);
    try {
      await session.relay.start();
    } catch (err) {
      starting.delete(session.relay);
      await session.relay.close();
      return reply(res, 502, `The MCP server could not be started: ${errorText(err)}`);
    }
    void session.relay.closed.then(() => {
      clearTimeout(session.idle);
      if (session.id !== undefined && sessions.get(session.id) === session) sessions.delete(session.id);
    });
    try {
      await session.transport.handleRequest(req, res, body);
    } finally {
      starting.delete(session.relay);
    }
    if (session.transport.sessionId === undefined) await session.relay.close();
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://proxy');
      if (url.pathname !== path) return reply(res, 404, `Not found: the MCP endpoint is ${path}`);
      if (token !== undefined && req.headers.authorization !== `Bearer ${token}`)
        return reply(res, 401, 'Unauthorized');
      const id = req.headers['mcp-session-id'];
      if (typeof id === 'string') {
        const session = sessions.get(id);
        if (!session) return reply(res, 404, 'Session not found: initialize a new one.');
        hold(session, res);
        return session.transport.handleRequest(req, res);
      }
      if (req.method !== 'POST') return reply(res, 400, 'No session: send initialize first.');
      return open(req, res);
    })().catch((err) => {
      options.log?.(`http: ${errorText(err)}`);
      if (!res.headersSent) reply(res, 500, 'Internal error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, hostname, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = hostname.includes(':') ? `[${hostname}]` : hostname;
  return {
    url: `http://${shownHost}:${port}${path}`,
    get sessions() {
      return sessions.size;
    },
    async close() {
      await Promise.allSettled(
        [...sessions.values(), ...[...starting].map((relay) => ({ relay }))].map((s) => s.relay.close()),
      );
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function sharedCalls(calls: McpProxyOptions['calls']): GatedToolCalls {
  return calls instanceof GatedToolCalls ? calls : new GatedToolCalls(calls);
}

function childOf(options: McpProxyOptions): ChildProcessTransport {
  return new ChildProcessTransport({
    command: options.command,
    args: options.args,
    env: options.env,
    cwd: options.cwd,
    stderr: 'inherit',
    maxMessageBytes: options.maxMessageBytes,
    closeStepMs: options.closeStepMs ?? 1000,
  });
}

function relayOf(
  options: McpProxyOptions,
  host: StdioServerTransport | StreamableHTTPServerTransport,
  server: ChildProcessTransport,
  calls: GatedToolCalls,
): McpRelay {
  return new McpRelay({
    host,
    server,
    runner: options.runner(),
    calls,
    limits: callLimits(options),
    context: options.context ?? (() => ({})),
    name: options.name,
    toolGates: options.toolGates,
    log: options.log,
  });
}

function reply(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message } }));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error(`The request body is over ${MAX_BODY} bytes.`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new Error(`The request body is not JSON: ${errorText(err)}`);
  }
}

function isInitialize(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some(
    (m) => typeof m === 'object' && m !== null && (m as { method?: unknown }).method === 'initialize',
  );
}
