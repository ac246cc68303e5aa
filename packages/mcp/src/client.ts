import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  type ClientCapabilities,
  type Implementation,
  type Tool,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { GatedToolRunner } from '@tollgate/core';
import { errorText } from '@tollgate/core';
import { ChildProcessTransport, type ChildProcessTransportOptions } from './child-transport.js';
import { PACKAGE_INFO } from './info.js';
import {
  type CallLimits,
  callLimits,
  type RegisterOptions,
  registerMcpTools,
  type SkippedTool,
  type ToolSender,
} from './tools.js';

/** A server to start as a child process and talk to over stdio. */
export interface StdioServer {
  /** The program (no shell). */
  command: string;
  /** Its arguments. */
  args?: readonly string[];
  /** Added to the SDK's safe default environment (HOME, PATH, USER, …), as the SDK's stdio transport does. */
  env?: Record<string, string>;
  /** Its working directory. */
  cwd?: string;
  /** Where its stderr goes (default `'inherit'`). */
  stderr?: ChildProcessTransportOptions['stderr'];
}

/** A server reached over Streamable HTTP. */
export interface HttpServer {
  /** Its MCP endpoint, e.g. `http://127.0.0.1:3000/mcp`. */
  url: string | URL;
  /** Headers for every request (e.g. `Authorization`). */
  headers?: Record<string, string>;
}

/** Options for {@link GatedMcpClient.connect}. */
export interface GatedMcpClientOptions extends Partial<CallLimits> {
  /** The runner the server's tools are registered into; their calls go through its gates. */
  runner: GatedToolRunner;
  /** The server: a command to start, a Streamable HTTP endpoint, or any SDK transport. */
  server: StdioServer | HttpServer | Transport;
  /** The server's name on each tool (default: the name the server gives itself). */
  name?: string;
  /** Prepended to each tool's name in the runner, to keep several servers' tools apart (e.g. `fs_`). */
  prefix?: string;
  /** Which tools to register (default: all). */
  include?: RegisterOptions['include'];
  /** A tool's gate options and tool-only gates (`gates`, `use`, `chargeOnError`), from its MCP listing. */
  toolGates?: RegisterOptions['toolGates'];
  /** How this client introduces itself (default `@tollgate/mcp` and its version). */
  clientInfo?: Implementation;
  /** Capabilities this client declares (default none). */
  capabilities?: ClientCapabilities;
  /** How long the handshake and the tool listing may take (ms, default 60,000: a server started by npx may download first). */
  connectTimeoutMs?: number;
}

/** A server that lists this many pages of tools is not listing in good faith. */
const MAX_PAGES = 100;

/**
 * An MCP client whose server's tools are registered into a {@link GatedToolRunner}, each with its input schema,
 * so any adapter that drives the runner (`@tollgate/openai`, a plain `runner.call`) reaches them through the
 * gates: `runner.call('write_file', args, context)`. It is the SDK's `Client` underneath (`client`), for the
 * server's resources and prompts. A call the gates allow ends as `executed` with the server's `CallToolResult`, or
 * as `tool_error` whose `error.name` is a stable code from {@link McpReason} (`mcp_timeout`, `mcp_server_exited`,
 * `mcp_malformed_result`, `mcp_output_too_large`, `mcp_error_response`, `mcp_tool_error`, `mcp_not_connected`).
 */
export class GatedMcpClient {
  /** The SDK client, connected. */
  readonly client: Client;
  /** The runner the tools are registered in. */
  readonly runner: GatedToolRunner;
  /** The server's name, as kept on each tool. */
  readonly server: string;
  private readonly registerOptions: RegisterOptions;
  private readonly names: string[] = [];
  private readonly skips: SkippedTool[] = [];
  private readonly changeListeners = new Set<(registered: string[]) => void>();

  private constructor(client: Client, options: GatedMcpClientOptions, limits: CallLimits) {
    this.client = client;
    this.runner = options.runner;
    this.server = options.name ?? client.getServerVersion()?.name ?? 'mcp';
    const send: ToolSender = (params, { signal, timeoutMs, onprogress }) => {
      let sent = params;
      // The SDK assigns its own progress token when given onprogress; the host's must not reach the server too.
      if (onprogress && params._meta?.progressToken !== undefined) {
        const { progressToken: _token, ...meta } = params._meta;
        sent = { ...params, _meta: meta };
      }
      return client.callTool(sent, undefined, { signal, timeout: timeoutMs, onprogress });
    };
    this.registerOptions = {
      server: this.server,
      send,
      limits,
      prefix: options.prefix,
      include: options.include,
      toolGates: options.toolGates,
    };
  }

  /**
   * Connects (the MCP handshake), lists every tool and registers them.
   * @throws {TypeError} for a bad limit; {@link Error} naming the server when it cannot be started, does not finish
   *   the handshake within `timeoutMs`, or cannot list its tools (the server process is stopped again)
   */
  static async connect(options: GatedMcpClientOptions): Promise<GatedMcpClient> {
    const limits = callLimits(options);
    const transport = transportOf(options.server);
    const client = new Client(options.clientInfo ?? PACKAGE_INFO, { capabilities: options.capabilities ?? {} });
    try {
      await client.connect(transport, { timeout: options.connectTimeoutMs ?? 60_000 });
    } catch (err) {
      await client.close().catch(() => undefined);
      throw new Error(`Could not connect to the MCP server: ${errorText(err)}`, { cause: err });
    }
    const gated = new GatedMcpClient(client, options, limits);
    try {
      await gated.refresh(options.connectTimeoutMs ?? 60_000);
    } catch (err) {
      await client.close().catch(() => undefined);
      throw new Error(`The MCP server ${gated.server} could not list its tools: ${errorText(err)}`, { cause: err });
    }
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      try {
        const registered = await gated.refresh();
        if (registered.length > 0) for (const listener of gated.changeListeners) listener(registered);
      } catch (err) {
        client.onerror?.(err instanceof Error ? err : new Error(errorText(err)));
      }
    });
    return gated;
  }

  /** Names of the registered tools, as the runner knows them. */
  get tools(): readonly string[] {
    return this.names;
  }

  /** Tools that could not be registered (a schema the runner's ajv refuses, a name taken), with why. */
  get skipped(): readonly SkippedTool[] {
    return this.skips;
  }

  /**
   * Lists the server's tools again (each page within `timeoutMs`) and registers the new ones (the server sent
   * `tools/list_changed`). Tools
   * already registered keep the schema and annotations they had: a server cannot loosen them later.
   * @returns the names newly registered
   */
  async refresh(timeoutMs = 60_000): Promise<string[]> {
    const tools: Tool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const listed = await this.client.listTools(cursor === undefined ? {} : { cursor }, { timeout: timeoutMs });
      tools.push(...listed.tools);
      cursor = listed.nextCursor;
      if (cursor === undefined) break;
    }
    const { registered, skipped } = registerMcpTools(this.runner, tools, this.registerOptions);
    this.names.push(...registered);
    for (const s of skipped) if (!this.skips.some((k) => k.name === s.name)) this.skips.push(s);
    return registered;
  }

  /** Calls `listener` with the names of tools registered after the server said its tools changed. @returns an unsubscribe function */
  onToolsChanged(listener: (registered: string[]) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /**
   * Closes the connection: ends a Streamable HTTP session (DELETE), or stops a server it started (end of stdin,
   * then SIGTERM, then SIGKILL to its process group).
   */
  async close(): Promise<void> {
    const transport = this.client.transport;
    if (transport instanceof StreamableHTTPClientTransport && transport.sessionId !== undefined) {
      await transport.terminateSession().catch(() => undefined);
    }
    await this.client.close();
  }
}

function transportOf(server: GatedMcpClientOptions['server']): Transport {
  if ('url' in server) {
    const headers = server.headers;
    return new StreamableHTTPClientTransport(new URL(server.url), headers ? { requestInit: { headers } } : undefined);
  }
  if ('command' in server) {
    return new ChildProcessTransport({
      command: server.command,
      args: server.args,
      env: { ...getDefaultEnvironment(), ...server.env },
      cwd: server.cwd,
      stderr: server.stderr,
    });
  }
  return server;
}
