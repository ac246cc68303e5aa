// `tollgate mcp-proxy` and `tollgate approvals` as a user runs them: the real tollgate process launched by the SDK's
// client (the MCP host) in front of the real filesystem server, approvals decided from a terminal.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { connectTestRedis, deletePrefix, testPrefix } from '@tollgate/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, repoRoot, runCli } from './helpers.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const BIN = ['--conditions=source', '--import', 'tsx', join(repoRoot, 'packages/cli/src/bin.ts')];
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
  writeFileSync(join(dir, 'sub', 'draft.txt'), 'draft\n');
  return { root, dir, audit: join(root, 'audit.jsonl'), remove: () => rmSync(root, { recursive: true, force: true }) };
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

describe('tollgate mcp-proxy in front of the filesystem server, approvals from the terminal', () => {
  const box = makeSandbox();
  const env = { TOLLGATE_TEST_SANDBOX: box.dir, TOLLGATE_TEST_AUDIT: box.audit };
  let host: Awaited<ReturnType<typeof launchProxy>>;
  const write = () => ({
    name: 'write_file',
    arguments: { path: join(box.dir, 'sub', 'report.txt'), content: 'approved content' },
  });
  const move = () => ({
    name: 'move_file',
    arguments: { source: join(box.dir, 'sub', 'draft.txt'), destination: join(box.dir, 'sub', 'final.txt') },
  });
  let writeId = '';
  let moveId = '';

  beforeAll(async () => {
    host = await launchProxy(env);
  });
  afterAll(async () => {
    await host?.client.close();
    box.remove();
  });

  it('runs reads, blocks writes outside sub/, and sends writes and move_file to approval', async () => {
    const { client } = host;
    expect(
      text(await client.callTool({ name: 'read_text_file', arguments: { path: join(box.dir, 'notes.txt') } })),
    ).toBe('read me\n');
    for (const path of [join(box.dir, 'x.txt'), join(box.dir, 'sub', '..', 'x.txt')]) {
      const blocked = await client.callTool({ name: 'write_file', arguments: { path, content: 'no' } });
      expect(blocked.isError).toBe(true);
      expect(denial(blocked)).toMatchObject({ status: 'blocked', reason: 'outside_writable_dir' });
    }
    const asked = await client.callTool(write());
    expect(denial(asked)).toMatchObject({ status: 'approval_required', reason: 'mcp_destructive' });
    writeId = String(denial(asked)?.approval_id);
    moveId = String(denial(await client.callTool(move()))?.approval_id);
    expect(writeId).toMatch(/^apr_/);
    expect(moveId).toMatch(/^apr_/);
    expect(() => readFileSync(join(box.dir, 'sub', 'report.txt'))).toThrow();
    expect(host.stderr()).toContain('mcp-policy loaded');
  });

  it('lists them with `tollgate approvals list`, and decides them with approve and deny', async () => {
    const listed = await tollgate(['approvals', 'list', '--policy', POLICY, '--json'], env);
    expect(listed.code).toBe(0);
    const pending = JSON.parse(listed.stdout) as {
      id: string;
      tool: string;
      args: unknown;
      context: { actor?: string };
    }[];
    expect(pending.map((p) => p.id).sort()).toEqual([writeId, moveId].sort());
    expect(pending.find((p) => p.id === writeId)).toMatchObject({
      tool: 'write_file',
      args: write().arguments,
      context: { actor: 'mcp-test-user' },
    });
    const text = await tollgate(['approvals', 'list', '--policy', POLICY], env);
    expect(text.stdout).toContain(`${writeId}  write_file  (mcp_destructive)`);
    const approved = await tollgate(
      ['approvals', 'approve', writeId, '--policy', POLICY, '--by', 'alice', '--comment', 'ok'],
      env,
    );
    expect(approved).toMatchObject({ code: 0 });
    expect(approved.stdout).toContain(`Approved ${writeId} (write_file) as alice.`);
    expect((await tollgate(['approvals', 'deny', moveId, '--policy', POLICY, '--by', 'alice'], env)).code).toBe(0);
    const again = await tollgate(['approvals', 'approve', writeId, '--policy', POLICY, '--by', 'bob'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('approval_already_decided');
  });

  it('runs the approved write exactly once, with the approved arguments, when the model calls again', async () => {
    const { client } = host;
    const ran = await client.callTool(write());
    expect(ran.isError).toBeFalsy();
    expect(readFileSync(join(box.dir, 'sub', 'report.txt'), 'utf8')).toBe('approved content');
    const moved = await client.callTool(move());
    expect(denial(moved)).toMatchObject({ reason: 'approval_denied' });
    expect(readFileSync(join(box.dir, 'sub', 'draft.txt'), 'utf8')).toBe('draft\n');
    // The approval was used: the same call again is a new call, which asks again.
    const third = await client.callTool(write());
    expect(denial(third)).toMatchObject({ status: 'approval_required' });
    expect(denial(third)?.approval_id).not.toBe(writeId);
  });

  it('lands its audit records where the policy says, one executed write among them, and the file verifies', async () => {
    const records = readFileSync(box.audit, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const executed = records.filter(
      (r) => JSON.stringify(r).includes('"write_file"') && JSON.stringify(r).includes('"executed"'),
    );
    expect(executed).toHaveLength(1);
    const verified = await tollgate(['audit', 'verify', box.audit]);
    expect(verified.code).toBe(0);
  });

  it('exits when the host goes; `tollgate approvals` then says no proxy holds the approvals', async () => {
    const pid = host.transport.pid!;
    await host.client.close();
    await expect.poll(() => alive(pid), { timeout: 20_000, interval: 100 }).toBe(false);
    const listed = await tollgate(['approvals', 'list', '--policy', POLICY], env);
    expect(listed.code).toBe(1);
    expect(listed.stderr).toContain('No tollgate mcp-proxy is running');
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
        env: { ...process.env, TOLLGATE_TEST_SANDBOX: box.dir, TOLLGATE_TEST_AUDIT: box.audit },
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

describe('tollgate approvals with a Redis store', async () => {
  const redis = await connectTestRedis();
  const prefix = testPrefix('mcp-cli');
  afterAll(async () => {
    if (redis) {
      await deletePrefix(redis, prefix);
      redis.disconnect();
    }
  });

  it.skipIf(!redis)('decides approvals with no proxy running, and a new proxy runs the call it approved', async () => {
    const box = makeSandbox();
    const env = { TOLLGATE_TEST_SANDBOX: box.dir, TOLLGATE_TEST_AUDIT: box.audit, TOLLGATE_TEST_REDIS_PREFIX: prefix };
    try {
      const first = await launchProxy(env);
      const call = { name: 'create_directory', arguments: { path: join(box.dir, 'sub', 'made') } };
      const id = String(denial(await first.client.callTool(call))?.approval_id);
      await first.client.close();
      const listed = await tollgate(['approvals', 'list', '--policy', POLICY, '--json'], env);
      expect(listed.code).toBe(0);
      expect((JSON.parse(listed.stdout) as { id: string }[]).map((a) => a.id)).toEqual([id]);
      expect((await tollgate(['approvals', 'approve', id, '--policy', POLICY], env)).code).toBe(0);
      const second = await launchProxy(env);
      const ran = await second.client.callTool({ ...call, _meta: { 'tollgate/approval': id } });
      expect(ran.isError).toBeFalsy();
      expect(text(ran)).toContain('Successfully created directory');
      await second.client.close();
    } finally {
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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
