import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';

const require = createRequire(import.meta.url);

/** A fixture file's absolute path. */
export const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** The entry script of a real MCP server installed as a dev dependency (never downloaded at run time). */
export function realServer(name: 'filesystem' | 'everything'): string {
  const pkg = require.resolve(`@modelcontextprotocol/server-${name}/package.json`);
  return join(dirname(pkg), 'dist', 'index.js');
}

/** The command line that starts a server: always this Node, from node_modules. */
export const filesystemServer = (dir: string): string[] => [process.execPath, realServer('filesystem'), dir];
export const everythingServer = (): string[] => [process.execPath, realServer('everything'), 'stdio'];
export const hostileServer = (mode: string, ...args: string[]): string[] => [
  process.execPath,
  fixture('hostile-server.mjs'),
  mode,
  ...args,
];
export const probeServer = (): string[] => [process.execPath, fixture('probe-server.mjs')];

/** A temp directory with a file and a `sub/` folder, removed by the returned function. */
export function sandbox(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-mcp-'));
  writeFileSync(join(dir, 'notes.txt'), 'hello from the sandbox\n');
  mkdirSync(join(dir, 'sub'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ProxyHost {
  client: Client;
  transport: StdioClientTransport;
  /** The proxy's process id. */
  pid: number;
  /** What the proxy (and the server behind it) wrote to stderr. */
  stderr: () => string;
  close: () => Promise<void>;
}

/** Options for {@link hostThroughProxy}. */
export interface HostOptions {
  /** What the fixture proxy's annotation gate does per class (JSON). */
  effects?: Record<string, string>;
  /** JSON rules for the fixture's RuleGate. */
  rules?: unknown[];
  /** The proxy's tool-call timeout. */
  timeoutMs?: number;
  /** Capabilities the SDK client (the host) declares. */
  capabilities?: ClientCapabilities;
  /** Called with the client before it connects (to set request handlers). */
  setup?: (client: Client) => void;
}

/** The SDK's own client, as an MCP host, launching the fixture proxy (test/fixtures/proxy.ts) in front of `server`. */
export async function hostThroughProxy(server: string[], options: HostOptions = {}): Promise<ProxyHost> {
  const client = new Client({ name: 'test-host', version: '1.0.0' }, { capabilities: options.capabilities ?? {} });
  options.setup?.(client);
  const env: Record<string, string> = { ...(process.env as Record<string, string>) };
  if (options.effects) env.TOLLGATE_TEST_EFFECTS = JSON.stringify(options.effects);
  if (options.rules) env.TOLLGATE_TEST_RULES = JSON.stringify(options.rules);
  if (options.timeoutMs) env.TOLLGATE_TEST_TIMEOUT_MS = String(options.timeoutMs);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--conditions=@tollgate/source', '--import', 'tsx', fixture('proxy.ts'), '--', ...server],
    env,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  await client.connect(transport, { timeout: 60_000 });
  return { client, transport, pid: transport.pid!, stderr: () => stderr, close: () => client.close() };
}

export { childPids as childrenOf, processAlive as alive } from '@tollgate/test-utils';

/** Polls `check` until it holds (or throws after `timeoutMs`). */
export async function waitFor(check: () => boolean, timeoutMs = 20_000, what = 'the condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The text of a tool result's first block. */
export function textOf(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.find((c) => c.type === 'text')?.text ?? '';
}

/** The tollgate denial on a tool result. */
export function denialOf(result: unknown): Record<string, unknown> | undefined {
  return (result as { _meta?: Record<string, Record<string, unknown>> })._meta?.['tollgate/denial'];
}
