// The gated client against the real filesystem server (@modelcontextprotocol/server-filesystem, from the registry).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GatedToolRunner, type GateResult } from '@tollgate/core';
import { RuleGate } from '@tollgate/rule';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatedMcpClient, type McpToolDefinition, mcpToolInfo, ToolAnnotationGate } from '../src/index.js';
import { filesystemServer, sandbox, textOf } from './support.js';

describe('GatedMcpClient with the filesystem server', () => {
  const box = sandbox();
  let runner: GatedToolRunner;
  let mcp: GatedMcpClient;
  const inSub = (ctx: { args: Record<string, unknown> }) =>
    String(ctx.args.path ?? ctx.args.destination).startsWith(join(box.dir, 'sub/'));

  beforeAll(async () => {
    const rules = new RuleGate({
      rules: [
        {
          id: 'writes-in-sub',
          effect: 'block',
          reason: 'outside_sub',
          message: 'Writes go under sub/ only.',
          when: (ctx) =>
            ['fs_write_file', 'fs_edit_file', 'fs_move_file', 'fs_create_directory'].includes(ctx.tool) && !inSub(ctx),
        },
      ],
    });
    runner = new GatedToolRunner({ gates: [new ToolAnnotationGate({ rules })] });
    const [command, ...args] = filesystemServer(box.dir);
    mcp = await GatedMcpClient.connect({
      runner,
      server: { command: command!, args, stderr: 'ignore' },
      prefix: 'fs_',
    });
  });
  afterAll(async () => {
    await mcp.close();
    box.remove();
  });

  it('registers every tool with its input schema (less $schema) and its listing', async () => {
    const listed = await mcp.client.listTools();
    expect(mcp.tools).toEqual(listed.tools.map((t) => `fs_${t.name}`));
    expect(mcp.skipped).toEqual([]);
    const write = runner.tools().find((t) => t.name === 'fs_write_file') as McpToolDefinition;
    const original = listed.tools.find((t) => t.name === 'write_file')!;
    const { $schema: _, ...schema } = original.inputSchema as Record<string, unknown>;
    expect(write.parameters).toEqual(schema);
    expect(mcpToolInfo(write)).toMatchObject({
      server: 'secure-filesystem-server',
      tool: { name: 'write_file', annotations: { destructiveHint: true } },
    });
  });

  it('runs reads; refuses invalid arguments before the server sees them', async () => {
    const read = await runner.call('fs_read_text_file', { path: join(box.dir, 'notes.txt') });
    expect(read.status).toBe('executed');
    expect(textOf(read.result)).toBe('hello from the sandbox\n');
    const invalid = await runner.call('fs_read_text_file', { file: 'notes.txt' });
    expect(invalid).toMatchObject({ status: 'blocked', blockedBy: 'validation', reason: 'invalid_arguments' });
  });

  it('blocks writes outside sub/, asks for the rest, and runs an approved write once, with the approved arguments', async () => {
    const outside = await runner.call('fs_write_file', { path: join(box.dir, 'x.txt'), content: 'no' });
    expect(outside).toMatchObject({ status: 'blocked', reason: 'outside_sub' });
    const target = join(box.dir, 'sub', 'out.txt');
    const asked = await runner.call('fs_write_file', { path: target, content: 'approved text' });
    expect(asked).toMatchObject({ status: 'approval_required', reason: 'mcp_destructive' });
    expect(() => readFileSync(target)).toThrow();
    const id = asked.approval!.id;
    expect((await runner.approve(id, { by: 'reviewer' })).ok).toBe(true);
    const resumed: GateResult = await runner.resume(id);
    expect(resumed.status).toBe('executed');
    expect(readFileSync(target, 'utf8')).toBe('approved text');
    expect((await runner.resume(id)).reason).toBe('approval_consumed');
  });

  it('reports a server-side failure as mcp_tool_error, the server’s words kept', async () => {
    const missing = await runner.call('fs_read_text_file', { path: join(box.dir, 'nope.txt') });
    expect(missing).toMatchObject({ status: 'tool_error', error: { name: 'mcp_tool_error' } });
    expect(missing.message).toMatch(/ENOENT|no such file/i);
  });
});
