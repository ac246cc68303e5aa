import { Writable } from 'node:stream';
import { type ApprovalStore, GatedToolRunner, MemoryApprovalStore } from '@tollgate/core';
import { GatedToolCalls, type McpProxyOptions, runStdioProxy, startHttpProxy } from '@tollgate/mcp';
import { serveApprovals } from '../approvals/socket.js';
import { CliError, type CliIo, ExitCode, errorText } from '../io.js';
import { loadPolicy } from '../policy/load.js';
import { makeGates, proxyPolicy } from '../policy/mcp.js';

/** Options of `tollgate mcp-proxy`. */
export interface McpProxyCommandOptions {
  /** The policy module. */
  policy: string;
  /** `HOST:PORT` to serve Streamable HTTP on instead of stdio. */
  listen?: string;
  /** The server's name on its tools and approvals (default: the name it gives itself). */
  name?: string;
  /** How long a tool call may wait for the server (ms). */
  timeoutMs?: string;
}

/**
 * `tollgate mcp-proxy --policy p.ts [--listen HOST:PORT] -- <command> [args…]`: starts the server as a child
 * process and serves its tools, gated by the policy, to an MCP host on this process's stdio (or, with `--listen`,
 * over Streamable HTTP), passing everything else through. In stdio mode stdout belongs to the protocol: anything
 * else written to it (a policy's logging) goes to stderr. Returns when the host goes (end of stdin), the server
 * exits, or Ctrl-C; then stops the server and its children. Exit 0 when the host ended the session, 1 when the
 * server exited with an error, 2 when it cannot start (bad policy, bad command).
 */
export async function mcpProxyCommand(
  command: string,
  args: readonly string[],
  options: McpProxyCommandOptions,
  io: CliIo,
): Promise<number> {
  const listen = options.listen === undefined ? undefined : parseListen(options.listen);
  const timeoutMs = options.timeoutMs === undefined ? undefined : positiveInt(options.timeoutMs, '--timeout-ms');
  const protocolOut = listen ? undefined : takeStdout();
  const cwd = io.cwd ?? process.cwd();
  const { file, policy, settings } = proxyPolicy(await loadPolicy(options.policy, cwd));
  const made = await makeGates(policy);
  let store: ApprovalStore;
  try {
    store = (await settings.approvals?.()) ?? new MemoryApprovalStore();
  } catch (err) {
    throw new CliError(`Policy "${policy.name}": approvals() failed: ${errorText(err)}`);
  }
  const runner = () =>
    new GatedToolRunner({
      gates: made.gates,
      approvals: store,
      ...(settings.approvalTtlMs === undefined ? {} : { approvalTtlMs: settings.approvalTtlMs }),
    });
  // A store in this process: `tollgate approvals` reaches it through a socket only this user can open.
  const socket = store instanceof MemoryApprovalStore ? await serveApprovals(runner(), file) : undefined;
  const log = (line: string) => io.stderr.write(`tollgate mcp-proxy: ${line}\n`);
  const proxy: McpProxyOptions = {
    command,
    args,
    runner,
    calls: new GatedToolCalls({
      ...(options.name ? { bind: { mcpServer: options.name } } : {}),
      ...(settings.elicitation === undefined ? {} : { elicitation: settings.elicitation }),
      ...(settings.provenance === undefined ? {} : { provenance: settings.provenance }),
    }),
    context: settings.context,
    name: options.name,
    toolGates: (tool) => made.toolGates(tool.name),
    timeoutMs: timeoutMs ?? settings.timeoutMs,
    maxResultBytes: settings.maxResultBytes,
    log,
  };
  try {
    if (!listen) {
      const exit = await runStdioProxy({ ...proxy, stdout: protocolOut, signal: io.signal }).catch((err) => {
        throw new CliError(`The MCP server could not be started (${command}): ${errorText(err)}`);
      });
      if (exit.reason !== 'server_exited') return ExitCode.ok;
      log(`the server exited (${exit.server.signal ?? `code ${exit.server.code}`})`);
      return exit.server.code === 0 ? ExitCode.ok : ExitCode.failed;
    }
    const http = await startHttpProxy({
      ...proxy,
      host: listen.host,
      port: listen.port,
      token: process.env.TOLLGATE_MCP_TOKEN || undefined,
    }).catch((err) => {
      throw new CliError(`Cannot listen on ${options.listen}: ${errorText(err)}`);
    });
    io.stderr.write(`tollgate mcp-proxy: serving ${command} on ${http.url} (Ctrl-C to stop)\n`);
    await new Promise<void>((done) => {
      if (!io.signal || io.signal.aborted) return done();
      io.signal.addEventListener('abort', () => done(), { once: true });
    });
    await http.close();
    return ExitCode.ok;
  } finally {
    await socket?.close();
    await Promise.resolve(settings.close?.()).catch((err) => log(`the policy's close() failed: ${errorText(err)}`));
    // The session is over: a handle the policy left open (a client it did not close) must not keep an orphan
    // proxy alive. Unref'd, so it fires only when something still holds the process.
    if (protocolOut || listen) setTimeout(() => process.exit(process.exitCode ?? 0), 3000).unref();
  }
}

/**
 * Keeps stdout for the protocol: returns a stream writing to the real stdout, and sends every other write to
 * process.stdout (console.log in a policy, a logger's default) to stderr, where hosts collect a server's logs.
 */
function takeStdout(): Writable {
  const write = process.stdout.write.bind(process.stdout) as (
    chunk: Buffer | string,
    cb: (err?: Error | null) => void,
  ) => boolean;
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      write(chunk, callback);
    },
  });
}

function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value);
  const port = match ? Number(match[3]) : Number.NaN;
  if (!match || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new CliError(`--listen must be HOST:PORT, e.g. 127.0.0.1:8931 (got "${value}")`);
  }
  return { host: match[1] ?? (match[2] || '127.0.0.1'), port };
}

function positiveInt(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new CliError(`${what} must be a positive integer (got "${value}")`);
  return n;
}
