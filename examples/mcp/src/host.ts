// The MCP host's side: the configuration entry that launches the proxy, and the SDK's own client using it the way
// a host (Claude Desktop, VS Code, Cursor…) does with an `mcpServers` entry.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

/** The repository root and the example's files. */
export const repo = fileURLToPath(new URL('../../../', import.meta.url));
export const policyFile = fileURLToPath(new URL('./policy.ts', import.meta.url));
/** The filesystem server, installed with the example by `pnpm install` (never downloaded at run time). */
export const filesystemServer = join(
  repo,
  'examples/mcp/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js',
);

/** One `mcpServers` entry, as a host's configuration file holds it. */
export interface ServerEntry {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/**
 * The entry that puts `tollgate mcp-proxy` in front of the filesystem server on `sandbox`: where the host had
 * `node …/server-filesystem/dist/index.js <dir>`, it now runs the proxy with that command after `--`.
 */
export function proxyEntry(sandbox: string, env: Record<string, string> = {}): ServerEntry {
  return {
    command: 'pnpm',
    args: [
      '-s',
      '--dir',
      repo,
      'tollgate',
      'mcp-proxy',
      '--policy',
      policyFile,
      '--',
      'node',
      filesystemServer,
      sandbox,
    ],
    env: { MCP_SANDBOX: sandbox, ...env },
  };
}

/** Connects the SDK's client to an entry, as a host does (the SDK's default environment plus the entry's `env`). */
export async function connect(
  entry: ServerEntry,
  name = 'example-host',
): Promise<{ client: Client; transport: StdioClientTransport }> {
  const client = new Client({ name, version: '1.0.0' });
  const transport = new StdioClientTransport({
    command: entry.command,
    args: entry.args,
    env: entry.env,
    stderr: 'pipe',
  });
  (transport.stderr as Readable | null)?.resume();
  await client.connect(transport, { timeout: 120_000 });
  return { client, transport };
}

const run = promisify(execFile);

/** Runs `tollgate <args>` from a terminal in the repository, as a person approving calls would. */
export async function tollgate(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('pnpm', ['-s', 'tollgate', ...args], {
      cwd: repo,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

/** The tollgate denial a tool result carries, if any. */
export function denialOf(
  result: unknown,
): { status: string; reason: string; message: string; approval_id?: string } | undefined {
  return (result as { _meta?: Record<string, never> })._meta?.['tollgate/denial'];
}

/** The first text block of a tool result. */
export function textOf(result: unknown): string {
  return (
    (result as { content?: { type: string; text?: string }[] }).content?.find((c) => c.type === 'text')?.text ?? ''
  );
}
