import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { type JSONRPCMessage, JSONRPCMessageSchema, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import { errorText } from '@tollgate/core';
import { syntheticRpcError } from './errors.js';
import { McpReason } from './reasons.js';

/** How a server process ended. */
export interface ChildExit {
  /** Exit code, or `null` when a signal ended it (or it never started). */
  code: number | null;
  /** The signal that ended it, if any. */
  signal: NodeJS.Signals | null;
  /** Why it could not start (`spawn … ENOENT`), if it did not. */
  error?: Error;
}

/** Options for {@link ChildProcessTransport}. */
export interface ChildProcessTransportOptions {
  /** The program to run (no shell). */
  command: string;
  /** Its arguments. */
  args?: readonly string[];
  /** Its environment (default: this process's). */
  env?: Record<string, string | undefined>;
  /** Its working directory (default: this process's). */
  cwd?: string;
  /** Where its stderr goes (default `'inherit'`: the MCP host's log, as with a server it launched itself). */
  stderr?: 'inherit' | 'pipe' | 'ignore';
  /**
   * Largest message read from the server, in bytes (default 16 MiB). A longer line is dropped as it arrives,
   * never buffered whole; when it was a response, its request fails at once with `mcp_output_too_large`.
   */
  maxMessageBytes?: number;
  /** How long each shutdown step waits: end of stdin, then SIGTERM, then SIGKILL (ms, default 2000). */
  closeStepMs?: number;
}

const KEEP = 512;
const ID = String.raw`(-?\d+|"(?:[^"\\]|\\.)*")`;
const RESPONSE_HEAD = new RegExp(
  String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?(?:"id"\s*:\s*${ID}\s*,\s*)?(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"(?:result|error)"\s*:`,
);
const ID_AT_END = new RegExp(String.raw`"id"\s*:\s*${ID}\s*\}\s*$`);

/**
 * An MCP stdio client transport that runs the server as a child process, as the SDK's `StdioClientTransport` does,
 * with three differences a gateway needs: the server runs in its own process group, so closing it also ends what
 * it started (an `npx` wrapper's node, a shell's children) and nothing is left behind; a message over
 * `maxMessageBytes` is dropped while it streams in (the SDK's buffer throws and kills the server); and a response
 * that cannot be read (over the limit, or not valid JSON-RPC) fails its request at once with a tollgate-marked
 * JSON-RPC error rather than leaving it to time out. Lines are the SDK's framing (`serializeMessage`).
 */
export class ChildProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private child: ChildProcess | undefined;
  private readonly maxBytes: number;
  private readonly stepMs: number;
  private chunks: Buffer[] = [];
  private size = 0;
  private discarding: { head: string; tail: Buffer; bytes: number } | undefined;
  private closed = false;
  private exitInfo: ChildExit | undefined;
  private readonly exitWaiters: ((exit: ChildExit) => void)[] = [];

  constructor(private readonly options: ChildProcessTransportOptions) {
    this.maxBytes = options.maxMessageBytes ?? 16 * 1024 * 1024;
    this.stepMs = options.closeStepMs ?? 2000;
    if (!Number.isSafeInteger(this.maxBytes) || this.maxBytes < 1024) {
      throw new TypeError(`maxMessageBytes must be an integer ≥ 1024, got ${String(options.maxMessageBytes)}`);
    }
  }

  /** The server's pid, once started. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The server's stderr when `stderr: 'pipe'`. */
  get stderr(): NodeJS.ReadableStream | null {
    return this.child?.stderr ?? null;
  }

  /** Resolves when the server process has ended (also when it never started). */
  exited(): Promise<ChildExit> {
    if (this.exitInfo) return Promise.resolve(this.exitInfo);
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  /** Starts the server. Rejects when it cannot be spawned (command not found, not executable). */
  async start(): Promise<void> {
    if (this.child) throw new Error('ChildProcessTransport already started');
    const { command, args = [], env, cwd, stderr = 'inherit' } = this.options;
    const child = spawn(command, [...args], {
      env: env ?? process.env,
      cwd,
      stdio: ['pipe', 'pipe', stderr],
      shell: false,
      windowsHide: true,
      // Its own process group: close() signals the group, so the server's own children go with it.
      detached: process.platform !== 'win32',
    });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => this.read(chunk));
    child.stdout?.on('error', (err) => this.onerror?.(err));
    child.stdin?.on('error', (err) => this.onerror?.(err));
    child.on('exit', (code, signal) => this.ended({ code, signal }));
    const started = await Promise.race([
      once(child, 'spawn').then(() => undefined),
      once(child, 'error').then(([err]) => err as Error),
    ]);
    if (started) {
      this.ended({ code: null, signal: null, error: started });
      throw started;
    }
    child.on('error', (err) => this.onerror?.(err));
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || this.exitInfo || !stdin.writable) throw new Error('Not connected: the MCP server is not running');
    if (!stdin.write(serializeMessage(message))) {
      await Promise.race([once(stdin, 'drain'), this.exited()]);
    }
  }

  /**
   * Stops the server: ends its stdin (a well-behaved server exits), then signals its process group with SIGTERM,
   * then SIGKILL, waiting `closeStepMs` between steps. Resolves once the server and its group are gone.
   */
  async close(): Promise<void> {
    if (this.closed) {
      await this.exited();
      return;
    }
    this.closed = true;
    const child = this.child;
    if (!child || this.exitInfo) {
      this.reapGroup();
      return;
    }
    child.stdin?.end();
    for (const signal of [undefined, 'SIGTERM', 'SIGKILL'] as const) {
      if (signal) this.signalGroup(signal);
      if (await this.exitWithin(this.stepMs)) break;
    }
    this.reapGroup();
  }

  private ended(exit: ChildExit): void {
    if (this.exitInfo) return;
    this.exitInfo = exit;
    this.flushDiscarded();
    for (const resolve of this.exitWaiters.splice(0)) resolve(exit);
    // A server that exits on its own may leave children in its group (an npx wrapper's node): end them too.
    if (!this.closed) this.reapGroup();
    // Let stdout deliver what the server wrote before it exited, then report the close.
    const stdout = this.child?.stdout;
    const done = () => this.onclose?.();
    if (stdout && !stdout.readableEnded) {
      const timer = setTimeout(done, 200);
      timer.unref();
      stdout.once('end', () => {
        clearTimeout(timer);
        done();
      });
    } else {
      queueMicrotask(done);
    }
  }

  private async exitWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const result = await Promise.race([this.exited().then(() => true), timeout]);
    clearTimeout(timer);
    return result;
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      if (process.platform === 'win32') this.child?.kill(signal);
      else process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  }

  /** Ends whatever is left of the server's process group, in the background. */
  private reapGroup(): void {
    const pid = this.child?.pid;
    if (pid === undefined || process.platform === 'win32' || !groupAlive(pid)) return;
    this.signalGroup('SIGTERM');
    const timer = setTimeout(() => {
      if (groupAlive(pid)) this.signalGroup('SIGKILL');
    }, this.stepMs);
    timer.unref();
  }

  private read(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(10, start);
      this.take(chunk.subarray(start, newline === -1 ? chunk.length : newline));
      if (newline === -1) return;
      this.endLine();
      start = newline + 1;
    }
  }

  private take(piece: Buffer): void {
    if (piece.length === 0) return;
    const d = this.discarding;
    if (d) {
      d.bytes += piece.length;
      d.tail = tailOf(Buffer.concat([d.tail, piece]));
      return;
    }
    if (this.size + piece.length <= this.maxBytes) {
      this.chunks.push(piece);
      this.size += piece.length;
      return;
    }
    const all = Buffer.concat([...this.chunks, piece]);
    this.discarding = { head: all.subarray(0, KEEP).toString('utf8'), tail: tailOf(all), bytes: all.length };
    this.chunks = [];
    this.size = 0;
  }

  private endLine(): void {
    if (this.discarding) {
      this.flushDiscarded();
      return;
    }
    const line = Buffer.concat(this.chunks, this.size).toString('utf8');
    this.chunks = [];
    this.size = 0;
    if (line.trim() !== '') this.deliver(line);
  }

  private deliver(line: string): void {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      this.onerror?.(new Error(`The MCP server wrote a line that is not JSON (${errorText(err)}): ${preview(line)}`));
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(value);
    if (parsed.success) {
      this.onmessage?.(parsed.data);
      return;
    }
    const id = responseId(value);
    if (id !== undefined) {
      // A response we cannot read: fail its request now rather than at its timeout.
      this.onmessage?.({
        jsonrpc: '2.0',
        id,
        error: syntheticRpcError(McpReason.malformedResult, 'the response is not valid JSON-RPC'),
      });
      return;
    }
    this.onerror?.(new Error(`The MCP server sent an invalid JSON-RPC message: ${preview(line)}`));
  }

  private flushDiscarded(): void {
    const d = this.discarding;
    if (!d) return;
    this.discarding = undefined;
    const head = RESPONSE_HEAD.exec(d.head);
    const raw = head ? (head[1] ?? ID_AT_END.exec(d.tail.toString('utf8'))?.[1]) : undefined;
    const limit = `${d.bytes} bytes, over the ${this.maxBytes}-byte limit`;
    const id = raw === undefined ? undefined : parseId(raw);
    if (id !== undefined) {
      this.onmessage?.({ jsonrpc: '2.0', id, error: syntheticRpcError(McpReason.outputTooLarge, limit) });
    } else {
      this.onerror?.(new Error(`The MCP server sent a message of ${limit}; it was dropped.`));
    }
  }
}

function tailOf(buffer: Buffer): Buffer {
  return buffer.length > KEEP ? Buffer.from(buffer.subarray(buffer.length - KEEP)) : buffer;
}

function parseId(raw: string): RequestId | undefined {
  try {
    const id = JSON.parse(raw) as unknown;
    return typeof id === 'string' || (typeof id === 'number' && Number.isSafeInteger(id)) ? id : undefined;
  } catch {
    return undefined;
  }
}

function responseId(value: unknown): RequestId | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  if (!('result' in v || 'error' in v) || 'method' in v) return undefined;
  return typeof v.id === 'string' || (typeof v.id === 'number' && Number.isSafeInteger(v.id)) ? v.id : undefined;
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function preview(line: string): string {
  return line.length > 200 ? `${line.slice(0, 200)}… (${line.length} characters)` : line;
}
