// `tollgate mcp-proxy` and `tollgate approvals` as processes, with the SDK's client as the MCP host, in front of the
// real filesystem server. The full scenario (rules, approvals from a terminal, audit, Redis) is the test of
// examples/mcp.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { processAlive as alive } from '@tollgate/test-utils';
import { describe, expect, it } from 'vitest';
import { fixture, repoRoot, runCli } from './helpers.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const BIN = ['--conditions=@tollgate/source', '--import', 'tsx', join(repoRoot, 'packages/cli/src/bin.ts')];
const FS_SERVER = join(
  dirname(require.resolve('@modelcontextprotocol/server-filesystem/package.json')),
  'dist',
  'index.js',
);
const POLICY = fixture('mcp-policy.ts');

/** Runs a `tollgate` command as its own process. */
async function tollgate(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...BIN, ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function makeSandbox() {
  const root = mkdtempSync(join(tmpdir(), 'tollgate-cli-mcp-'));
  const dir = join(root, 'files');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'notes.txt'), 'read me\n');
  return { root, dir, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** The host: the SDK client launching `tollgate mcp-proxy` the way a host's configuration entry does. */
async function launchProxy(env: Record<string, string>) {
  const client = new Client({ name: 'cli-test-host', version: '1.0.0' });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...BIN, 'mcp-proxy', '--policy', POLICY, '--', process.execPath, FS_SERVER, env.TOLLGATE_TEST_SANDBOX!],
    cwd: repoRoot,
    env: { ...(process.env as Record<string, string>), ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  await client.connect(transport, { timeout: 60_000 });
  return { client, transport, stderr: () => stderr };
}

const denial = (result: unknown) =>
  (result as { _meta?: Record<string, Record<string, unknown>> })._meta?.['tollgate/denial'];
const text = (result: unknown) => (result as { content: { text?: string }[] }).content[0]?.text ?? '';

describe('tollgate mcp-proxy on stdio', () => {
  it('serves the gated tools to a host, keeps stdout for the protocol, and exits with its server when the host goes', async () => {
    const box = makeSandbox();
    const host = await launchProxy({ TOLLGATE_TEST_SANDBOX: box.dir });
    try {
      const { client } = host;
      expect(
        text(await client.callTool({ name: 'read_text_file', arguments: { path: join(box.dir, 'notes.txt') } })),
      ).toBe('read me\n');
      const asked = await client.callTool({
        name: 'write_file',
        arguments: { path: join(box.dir, 'w.txt'), content: 'w' },
      });
      expect(denial(asked)).toMatchObject({ status: 'approval_required', reason: 'mcp_destructive' });
      const id = String(denial(asked)?.approval_id);
      const listed = await tollgate(['approvals', 'list', '--policy', POLICY, '--json']);
      expect((JSON.parse(listed.stdout) as { id: string; context: unknown }[]).find((a) => a.id === id)).toMatchObject({
        context: { actor: 'mcp-test-user' },
      });
      expect(host.stderr()).toContain('mcp-policy loaded');
      const pid = host.transport.pid!;
      await client.close();
      await expect.poll(() => alive(pid), { timeout: 20_000, interval: 100 }).toBe(false);
    } finally {
      await host.client.close();
      box.remove();
    }
  });
});

describe('tollgate mcp-proxy --listen', () => {
  it('serves the gated tools over Streamable HTTP until Ctrl-C, then stops its servers', async () => {
    const box = makeSandbox();
    const proxy = spawn(
      process.execPath,
      [...BIN, 'mcp-proxy', '--policy', POLICY, '--listen', '127.0.0.1:0', '--', process.execPath, FS_SERVER, box.dir],
      {
        cwd: repoRoot,
        env: process.env,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    try {
      let stderr = '';
      const url = await new Promise<string>((resolve, reject) => {
        proxy.stderr!.on('data', (chunk: Buffer) => {
          stderr += chunk.toString('utf8');
          const found = /serving .* on (http:\/\/\S+)/.exec(stderr);
          if (found) resolve(found[1]!);
        });
        proxy.once('exit', (code) => reject(new Error(`the proxy exited (${code}): ${stderr}`)));
      });
      const client = new Client({ name: 'http-host', version: '1.0.0' });
      const transport = new StreamableHTTPClientTransport(new URL(url));
      await client.connect(transport);
      expect(
        text(await client.callTool({ name: 'read_text_file', arguments: { path: join(box.dir, 'notes.txt') } })),
      ).toBe('read me\n');
      const asked = await client.callTool({
        name: 'write_file',
        arguments: { path: join(box.dir, 'sub', 'h.txt'), content: 'h' },
      });
      expect(denial(asked)).toMatchObject({ status: 'approval_required' });
      await client.close();
      const exited = new Promise<number | null>((resolve) => proxy.once('exit', resolve));
      proxy.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (proxy.exitCode === null) proxy.kill('SIGKILL');
      box.remove();
    }
  });
});

describe('tollgate approvals and mcp-proxy usage', () => {
  it('needs an id to decide, a single policy, and a known action', async () => {
    expect((await runCli(['approvals', 'approve', '--policy', POLICY])).stderr).toContain('needs an approval id');
    expect((await runCli(['approvals', 'list', '--policy', fixture('policy.ts')])).code).toBe(1);
    expect((await runCli(['approvals', 'purge', '--policy', POLICY])).code).toBe(2);
    expect((await runCli(['mcp-proxy', '--policy', POLICY, '--listen', 'nowhere', '--', 'x'])).stderr).toContain(
      '--listen must be HOST:PORT',
    );
  });
});
