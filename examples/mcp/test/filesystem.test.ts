// The end-to-end case on a fresh clone: `tollgate mcp-proxy` governs the real filesystem server over stdio,
// launched from the host configuration entry (examples/mcp/src/host.ts) by the SDK's own client, and a person
// decides approvals with `tollgate approvals` from a terminal.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  processAlive as alive,
  connectTestRedis,
  deletePrefix,
  processTree,
  REDIS_URL,
  testPrefix,
} from '@tollgate/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '../src/demo.js';
import { connect, denialOf, policyFile, proxyEntry, textOf, tollgate } from '../src/host.js';

function makeSandbox() {
  const root = mkdtempSync(join(tmpdir(), 'tollgate-example-mcp-'));
  const dir = join(root, 'files');
  mkdirSync(join(dir, 'out'), { recursive: true });
  writeFileSync(join(dir, 'notes.txt'), 'read me\n');
  writeFileSync(join(dir, 'out', 'draft.txt'), 'draft\n');
  return { dir, audit: join(root, 'audit.jsonl'), remove: () => rmSync(root, { recursive: true, force: true }) };
}

describe('tollgate mcp-proxy in front of the filesystem server', () => {
  const box = makeSandbox();
  const env = { MCP_AUDIT: box.audit };
  const entry = proxyEntry(box.dir, env);
  const terminal = entry.env!;
  let host: Awaited<ReturnType<typeof connect>>;
  const write = {
    name: 'write_file',
    arguments: { path: join(box.dir, 'out', 'report.txt'), content: 'approved content' },
  };
  const move = {
    name: 'move_file',
    arguments: { source: join(box.dir, 'out', 'draft.txt'), destination: join(box.dir, 'out', 'final.txt') },
  };
  let writeId = '';
  let moveId = '';

  beforeAll(async () => {
    host = await connect(entry);
  });
  afterAll(async () => {
    await host?.client.close();
    box.remove();
  });

  it('runs reads, blocks writes outside out/, and sends writes and move_file there to approval', async () => {
    const { client } = host;
    expect(
      textOf(await client.callTool({ name: 'read_text_file', arguments: { path: join(box.dir, 'notes.txt') } })),
    ).toBe('read me\n');
    for (const path of [
      join(box.dir, 'x.txt'),
      join(box.dir, 'out', '..', 'x.txt'),
      join(box.dir, 'out-evil', 'x.txt'),
    ]) {
      const blocked = await client.callTool({ name: 'write_file', arguments: { path, content: 'no' } });
      expect(blocked.isError).toBe(true);
      expect(denialOf(blocked)).toMatchObject({ status: 'blocked', reason: 'outside_writable_dir' });
    }
    const asked = await client.callTool(write);
    expect(denialOf(asked)).toMatchObject({ status: 'approval_required', reason: 'mcp_destructive' });
    writeId = denialOf(asked)!.approval_id!;
    moveId = denialOf(await client.callTool(move))!.approval_id!;
    expect(writeId).toMatch(/^apr_/);
    expect(moveId).toMatch(/^apr_/);
    // Asking again while it waits makes no second approval.
    expect(denialOf(await client.callTool(write))).toMatchObject({ reason: 'approval_pending', approval_id: writeId });
    expect(() => readFileSync(write.arguments.path)).toThrow();
  });

  it('lists them with `tollgate approvals list`, and decides them with approve and deny', async () => {
    const listed = await tollgate(['approvals', 'list', '--policy', policyFile, '--json'], terminal);
    expect(listed.code).toBe(0);
    const pending = JSON.parse(listed.stdout) as { id: string; tool: string; args: unknown }[];
    expect(pending.map((p) => p.id).sort()).toEqual([writeId, moveId].sort());
    expect(pending.find((p) => p.id === writeId)).toMatchObject({ tool: 'write_file', args: write.arguments });
    const approved = await tollgate(
      ['approvals', 'approve', writeId, '--policy', policyFile, '--by', 'alice'],
      terminal,
    );
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain(`Approved ${writeId} (write_file) as alice.`);
    expect(
      (await tollgate(['approvals', 'deny', moveId, '--policy', policyFile, '--by', 'alice'], terminal)).code,
    ).toBe(0);
    const twice = await tollgate(['approvals', 'approve', writeId, '--policy', policyFile], terminal);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('approval_already_decided');
  });

  it('runs the approved write exactly once, with the approved arguments, when the model calls again', async () => {
    const { client } = host;
    const ran = await client.callTool(write);
    expect(ran.isError).toBeFalsy();
    expect(readFileSync(write.arguments.path, 'utf8')).toBe('approved content');
    expect(denialOf(await client.callTool(move))).toMatchObject({ reason: 'approval_denied' });
    expect(readFileSync(join(box.dir, 'out', 'draft.txt'), 'utf8')).toBe('draft\n');
    // Used: the same call again is a new call, which asks again.
    const third = await client.callTool(write);
    expect(denialOf(third)).toMatchObject({ status: 'approval_required' });
    expect(denialOf(third)?.approval_id).not.toBe(writeId);
  });

  it('lands its audit records where the policy says, one executed write among them, and the file verifies', async () => {
    const records = readFileSync(box.audit, 'utf8').trim().split('\n');
    expect(records.filter((r) => r.includes('"write_file"') && r.includes('"status":"executed"'))).toHaveLength(1);
    expect((await tollgate(['audit', 'verify', box.audit])).code).toBe(0);
  });

  it('exits with its server when the host goes, leaving no process behind', async () => {
    const tree = processTree(host.transport.pid!);
    expect(tree.length).toBeGreaterThanOrEqual(3);
    await host.client.close();
    await expect.poll(() => tree.filter(alive), { timeout: 30_000, interval: 200 }).toEqual([]);
    const listed = await tollgate(['approvals', 'list', '--policy', policyFile], terminal);
    expect(listed.code).toBe(1);
    expect(listed.stderr).toContain('No tollgate mcp-proxy is running');
  });
});

describe('the example with approvals in Redis', async () => {
  const redis = await connectTestRedis();
  const prefix = testPrefix('example-mcp');
  afterAll(async () => {
    if (!redis) return;
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it.skipIf(!redis)('decides an approval while no proxy runs; a new proxy runs the call under it', async () => {
    const box = makeSandbox();
    const entry = proxyEntry(box.dir, {
      MCP_AUDIT: box.audit,
      MCP_APPROVALS_REDIS: REDIS_URL,
      MCP_APPROVALS_PREFIX: prefix,
    });
    try {
      const call = { name: 'create_directory', arguments: { path: join(box.dir, 'out', 'made') } };
      const first = await connect(entry);
      const id = denialOf(await first.client.callTool(call))!.approval_id!;
      await first.client.close();
      const listed = await tollgate(['approvals', 'list', '--policy', policyFile, '--json'], entry.env!);
      expect((JSON.parse(listed.stdout) as { id: string }[]).map((a) => a.id)).toEqual([id]);
      expect((await tollgate(['approvals', 'approve', id, '--policy', policyFile], entry.env!)).code).toBe(0);
      const second = await connect(entry);
      const ran = await second.client.callTool({ ...call, _meta: { 'tollgate/approval': id } });
      expect(ran.isError).toBeFalsy();
      expect(textOf(ran)).toContain('Successfully created directory');
      await second.client.close();
    } finally {
      box.remove();
    }
  });
});

describe('the demo', () => {
  it('walks through a read, a blocked write, an approval from the terminal and the approved write', async () => {
    const steps = await runDemo();
    expect(steps.map((s) => s.outcome)).toEqual([
      'executed',
      'executed',
      'blocked (outside_writable_dir)',
      'approval_required (mcp_destructive)',
      'approved',
      'executed',
      'executed',
      'intact',
    ]);
    expect(steps[6]!.detail).toBe('Revenue up 12%; churn down 1 point.');
  });
});
