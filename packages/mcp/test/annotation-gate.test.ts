import { GatedToolRunner, ToolOptionsError } from '@tollgate/core';
import { RuleGate } from '@tollgate/rule';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classify, McpReason, type McpToolDefinition, ToolAnnotationGate } from '../src/index.js';

/** A runner tool that looks like one a gated client registered, with the server's hints. */
function mcpTool(name: string, annotations?: Record<string, unknown>): McpToolDefinition {
  return {
    name,
    parameters: { type: 'object', properties: { path: { type: 'string' } } },
    handler: async () => ({ content: [{ type: 'text', text: 'ran' }] }),
    mcp: { server: 'test', tool: { name, inputSchema: { type: 'object' }, ...(annotations ? { annotations } : {}) } },
  };
}

const READ = { readOnlyHint: true, openWorldHint: false };
const WRITE = { readOnlyHint: false, destructiveHint: true, openWorldHint: false };

describe('classify (MCP defaults for absent hints)', () => {
  it.each([
    [undefined, 'unannotated'],
    [{}, 'unannotated'],
    [{ title: 'only a title' }, 'unannotated'],
    [{ readOnlyHint: true }, 'readOnly'],
    [READ, 'readOnly'],
    [{ readOnlyHint: true, openWorldHint: true }, 'openWorld'],
    [{ readOnlyHint: false }, 'destructive'],
    [WRITE, 'destructive'],
    [{ destructiveHint: false }, 'openWorld'],
    [{ destructiveHint: false, openWorldHint: false }, 'notReadOnly'],
    [{ readOnlyHint: false, destructiveHint: false, openWorldHint: true }, 'openWorld'],
    [{ idempotentHint: true }, 'destructive'],
  ] as const)('%j is %s', (hints, expected) => {
    expect(classify(hints)).toBe(expected);
  });

  it('calls a tool read-only only when it says readOnlyHint: true and does not say openWorldHint: true', () => {
    const hint = fc.option(fc.boolean(), { nil: undefined });
    fc.assert(
      fc.property(
        fc.record(
          { readOnlyHint: hint, destructiveHint: hint, idempotentHint: hint, openWorldHint: hint },
          { requiredKeys: [] },
        ),
        (hints) => {
          const readOnly = classify(hints) === 'readOnly';
          expect(readOnly).toBe(hints.readOnlyHint === true && hints.openWorldHint !== true);
        },
      ),
    );
  });
});

describe('ToolAnnotationGate', () => {
  const runnerWith = (gate: ToolAnnotationGate, ...tools: McpToolDefinition[]) =>
    new GatedToolRunner({ gates: [gate], tools });

  it('runs read-only tools, sends destructive and unannotated ones to approval, with its own reason codes', async () => {
    const runner = runnerWith(
      new ToolAnnotationGate(),
      mcpTool('read_file', READ),
      mcpTool('write_file', WRITE),
      mcpTool('mystery'),
      mcpTool('search_web', { readOnlyHint: true, openWorldHint: true }),
    );
    const read = await runner.call('read_file', { path: 'a' });
    expect(read.status).toBe('executed');
    expect(read.decisions.find((d) => d.gate === 'annotations')).toMatchObject({
      reason: 'ok',
      data: { class: 'readOnly', source: 'server' },
    });
    const write = await runner.call('write_file', { path: 'a' });
    expect(write).toMatchObject({ status: 'approval_required', reason: McpReason.destructive });
    expect(write.message).toContain('write_file may change or delete data');
    expect((await runner.call('mystery', {})).reason).toBe(McpReason.unannotated);
    expect((await runner.call('search_web', {})).reason).toBe(McpReason.openWorld);
  });

  it('treats a hand-registered tool (no MCP hints) as unannotated', async () => {
    const runner = new GatedToolRunner({ gates: [new ToolAnnotationGate()] });
    runner.register({ name: 'plain', parameters: { type: 'object' }, handler: () => 'ran' });
    expect((await runner.call('plain', {})).reason).toBe(McpReason.unannotated);
  });

  it('takes effects per class, vouched hints over the server’s, and a tool’s own effect', async () => {
    const gate = new ToolAnnotationGate({
      effects: { destructive: 'block', unannotated: 'allow' },
      hints: { sneaky: WRITE },
    });
    const runner = runnerWith(
      gate,
      mcpTool('delete_all', WRITE),
      mcpTool('bare'),
      // The server says read-only; the operator vouches otherwise.
      mcpTool('sneaky', READ),
    );
    runner.register({ ...mcpTool('forced', WRITE), gates: { annotations: { effect: 'allow' } } });
    expect(await runner.call('delete_all', {})).toMatchObject({ status: 'blocked', reason: McpReason.destructive });
    expect((await runner.call('bare', {})).status).toBe('executed');
    const sneaky = await runner.call('sneaky', {});
    expect(sneaky).toMatchObject({ status: 'blocked', reason: McpReason.destructive });
    expect(sneaky.decisions.find((d) => d.gate === 'annotations')?.data).toMatchObject({ source: 'vouched' });
    const forced = await runner.call('forced', {});
    expect(forced.status).toBe('executed');
    expect(forced.decisions.find((d) => d.gate === 'annotations')?.data).toMatchObject({ source: 'tool_effect' });
  });

  it('lets matching rules override the hints, and the hints decide where no rule matches', async () => {
    const rules = new RuleGate({
      rules: [
        {
          id: 'scratch-writes',
          effect: 'allow',
          reason: 'scratch',
          message: 'Writes in /scratch need no approval.',
          when: (ctx) => String(ctx.args.path).startsWith('/scratch/'),
        },
        {
          id: 'no-etc',
          effect: 'block',
          reason: 'protected_path',
          message: 'Nothing under /etc.',
          when: (ctx) => String(ctx.args.path).startsWith('/etc/'),
        },
        {
          id: 'secrets',
          effect: 'require_approval',
          reason: 'secret_read',
          message: 'Reading secrets needs approval.',
          when: (ctx) => String(ctx.args.path).includes('secret'),
        },
      ],
    });
    const runner = runnerWith(
      new ToolAnnotationGate({ rules }),
      mcpTool('write_file', WRITE),
      mcpTool('read_file', READ),
    );
    expect((await runner.call('write_file', { path: '/scratch/a' })).status).toBe('executed');
    expect(await runner.call('write_file', { path: '/etc/passwd' })).toMatchObject({
      status: 'blocked',
      reason: 'protected_path',
    });
    expect((await runner.call('write_file', { path: '/home/a' })).reason).toBe(McpReason.destructive);
    expect((await runner.call('read_file', { path: '/home/secret.txt' })).reason).toBe('secret_read');
    expect((await runner.call('read_file', { path: '/home/a' })).status).toBe('executed');
  });

  it('compiles per-tool rules for its rules gate, and refuses bad tool options at register()', () => {
    const runner = runnerWith(new ToolAnnotationGate({ rules: new RuleGate() }));
    expect(() => runner.register({ ...mcpTool('a'), gates: { annotations: { effect: 'maybe' } } })).toThrow(
      ToolOptionsError,
    );
    expect(() => runner.register({ ...mcpTool('b'), gates: { annotations: { colour: 'red' } } })).toThrow(
      /unknown option colour/,
    );
    expect(() => runner.register({ ...mcpTool('c'), gates: { annotations: { hints: 'ro' } } })).toThrow(/hints/);
    expect(() => runner.register({ ...mcpTool('d'), gates: { annotations: { rules: { rules: 'x' } } } })).toThrow(
      /rules/,
    );
    const plain = new GatedToolRunner({ gates: [new ToolAnnotationGate()] });
    expect(() => plain.register({ ...mcpTool('e'), gates: { annotations: { rules: {} } } })).toThrow(/no rules gate/);
    expect(() => new ToolAnnotationGate({ effects: { readOnly: 'sometimes' as 'allow' } })).toThrow(TypeError);
  });
});
