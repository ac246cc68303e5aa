// The gated server, with the SDK's own client as the host: in memory, over Streamable HTTP, and in front of a
// gated client of the real everything server.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ElicitRequestSchema, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { type Gate, GatedToolRunner, MemoryApprovalStore } from '@tollgate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { APPROVAL_META_KEY, createGatedMcpServer, GatedMcpClient, type GatedMcpServerOptions } from '../src/index.js';
import { denialOf, everythingServer, textOf } from './support.js';

/** Payments above 100 need approval; to "blocked" is refused. */
const payments: Gate = {
  name: 'payments',
  stage: 'rule',
  check: (ctx) => {
    if (ctx.args.to === 'blocked')
      return { outcome: 'block', reason: 'payee_blocked', message: 'That payee is blocked.' };
    if (Number(ctx.args.amount) > 100)
      return { outcome: 'require_approval', reason: 'large_payment', message: 'Payments above 100 need approval.' };
    return { outcome: 'allow', reason: 'ok' };
  },
};

function paymentsRunner(store = new MemoryApprovalStore()) {
  const paid: unknown[] = [];
  const runner = new GatedToolRunner({ gates: [payments], approvals: store });
  runner.register({
    name: 'pay',
    description: 'Pays someone.',
    parameters: {
      type: 'object',
      properties: { to: { type: 'string' }, amount: { type: 'number' } },
      required: ['to', 'amount'],
      additionalProperties: false,
    },
    handler: (args: { to: string; amount: number }) => {
      paid.push(args);
      return { paid: args.amount, to: args.to };
    },
  });
  return { runner, paid, store };
}

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((f) => f()));
});

async function hostInMemory(
  options: GatedMcpServerOptions,
  answer?: (message: string) => ElicitResult | Promise<ElicitResult>,
) {
  const server = createGatedMcpServer(options);
  const client = new Client(
    { name: 'host', version: '1.0.0' },
    { capabilities: answer ? { elicitation: { form: {} } } : {} },
  );
  const asked: string[] = [];
  if (answer) {
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params.message);
      return answer(request.params.message);
    });
  }
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  await client.connect(b);
  cleanup.push(
    () => client.close(),
    () => server.close(),
  );
  return { client, asked };
}

describe('createGatedMcpServer', () => {
  it('lists the runner’s tools and returns blocked calls as isError with the structured denial', async () => {
    const { runner } = paymentsRunner();
    const { client } = await hostInMemory({ runner });
    const { tools } = await client.listTools();
    expect(tools).toEqual([
      expect.objectContaining({
        name: 'pay',
        description: 'Pays someone.',
        inputSchema: expect.objectContaining({ required: ['to', 'amount'] }),
      }),
    ]);
    const ok = await client.callTool({ name: 'pay', arguments: { to: 'ann', amount: 5 } });
    expect(ok.isError).toBeUndefined();
    expect(JSON.parse(textOf(ok))).toEqual({ paid: 5, to: 'ann' });
    const blocked = await client.callTool({ name: 'pay', arguments: { to: 'blocked', amount: 5 } });
    expect(blocked.isError).toBe(true);
    expect(JSON.parse(textOf(blocked))).toEqual({
      status: 'blocked',
      reason: 'payee_blocked',
      message: 'That payee is blocked.',
    });
    expect(denialOf(blocked)).toMatchObject({ reason: 'payee_blocked' });
    const unknown = await client.callTool({ name: 'refund', arguments: {} });
    expect(denialOf(unknown)).toMatchObject({ reason: 'unknown_tool' });
    const invalid = await client.callTool({ name: 'pay', arguments: { to: 'ann' } });
    expect(denialOf(invalid)).toMatchObject({ reason: 'invalid_arguments' });
  });

  it('names the approval; the repeat call waits without a second approval, then runs once approved', async () => {
    const { runner, paid, store } = paymentsRunner();
    const { client } = await hostInMemory({ runner, elicitation: false });
    const args = { to: 'bob', amount: 500 };
    const first = await client.callTool({ name: 'pay', arguments: args });
    const denial = denialOf(first)!;
    expect(first.isError).toBe(true);
    expect(denial).toMatchObject({ status: 'approval_required', reason: 'large_payment' });
    expect(String(denial.approval_id)).toMatch(/^apr_/);
    expect(String(denial.message)).toContain(String(denial.approval_id));
    const again = await client.callTool({ name: 'pay', arguments: args });
    expect(denialOf(again)).toMatchObject({ reason: 'approval_pending', approval_id: denial.approval_id });
    expect(store.size).toBe(1);
    await runner.approve(String(denial.approval_id), { by: 'ops' });
    // Other arguments are another call: they get their own approval.
    const other = await client.callTool({ name: 'pay', arguments: { to: 'bob', amount: 501 } });
    expect(denialOf(other)?.approval_id).not.toBe(denial.approval_id);
    const ran = await client.callTool({ name: 'pay', arguments: args });
    expect(ran.isError).toBeUndefined();
    expect(paid).toEqual([args]);
    const afterwards = await client.callTool({ name: 'pay', arguments: args });
    expect(denialOf(afterwards)).toMatchObject({ reason: 'large_payment' });
    expect(denialOf(afterwards)?.approval_id).not.toBe(denial.approval_id);
    expect(paid).toHaveLength(1);
  });

  it('resumes the approval a host names in _meta, and refuses one for another tool', async () => {
    const { runner, paid } = paymentsRunner();
    const { client } = await hostInMemory({ runner, elicitation: false });
    const first = await client.callTool({ name: 'pay', arguments: { to: 'cy', amount: 200 } });
    const id = String(denialOf(first)?.approval_id);
    await runner.approve(id, { by: 'ops' });
    const ran = await client.callTool({
      name: 'pay',
      arguments: { to: 'cy', amount: 200 },
      _meta: { [APPROVAL_META_KEY]: id },
    });
    expect(ran.isError).toBeUndefined();
    expect(paid).toHaveLength(1);
    const edited = await client.callTool({
      name: 'pay',
      arguments: { to: 'cy', amount: 9999 },
      _meta: { [APPROVAL_META_KEY]: id },
    });
    expect(denialOf(edited)).toMatchObject({ reason: 'approval_consumed' });
    const wrong = await client.callTool({ name: 'nope', arguments: {}, _meta: { [APPROVAL_META_KEY]: id } });
    expect(denialOf(wrong)).toMatchObject({ reason: 'approval_not_found' });
  });

  it('asks through elicitation: approve runs the call at once, recorded in the store as the host’s decision', async () => {
    const { runner, paid } = paymentsRunner();
    const { client, asked } = await hostInMemory({ runner }, () => ({
      action: 'accept',
      content: { approve: true, comment: 'fine' },
    }));
    const result = await client.callTool({ name: 'pay', arguments: { to: 'dee', amount: 300 } });
    expect(result.isError).toBeUndefined();
    expect(paid).toEqual([{ to: 'dee', amount: 300 }]);
    expect(asked[0]).toContain('pay wants to run with');
    expect(asked[0]).toContain('"amount": 300');
    expect(asked[0]).toContain('Payments above 100 need approval.');
    const id = /approval (apr_[\w-]+)/.exec(asked[0]!)![1]!;
    expect(await runner.getApproval(id)).toMatchObject({
      status: 'consumed',
      decision: { status: 'approved', by: 'mcp-elicitation:host', comment: 'fine' },
    });
  });

  it('asks through elicitation: decline (or accept unchecked) denies; cancel leaves it waiting', async () => {
    const { runner, paid } = paymentsRunner();
    const replies: ElicitResult[] = [
      { action: 'decline' },
      { action: 'accept', content: { approve: false } },
      { action: 'cancel' },
    ];
    const { client } = await hostInMemory({ runner }, () => replies.shift()!);
    const declined = await client.callTool({ name: 'pay', arguments: { to: 'e', amount: 101 } });
    expect(denialOf(declined)).toMatchObject({ status: 'blocked', reason: 'approval_denied' });
    expect(await runner.getApproval(String(denialOf(declined)?.approval_id))).toMatchObject({ status: 'denied' });
    const unchecked = await client.callTool({ name: 'pay', arguments: { to: 'f', amount: 101 } });
    expect(denialOf(unchecked)).toMatchObject({ reason: 'approval_denied' });
    const cancelled = await client.callTool({ name: 'pay', arguments: { to: 'g', amount: 101 } });
    expect(denialOf(cancelled)).toMatchObject({ status: 'approval_required', reason: 'approval_pending' });
    expect(await runner.getApproval(String(denialOf(cancelled)?.approval_id))).toMatchObject({ status: 'pending' });
    expect(paid).toEqual([]);
  });

  it('lets a decision made elsewhere first win over the host’s answer', async () => {
    const { runner, paid } = paymentsRunner();
    const { client } = await hostInMemory({ runner }, async () => {
      const [pending] = await runner.pendingApprovals();
      await runner.deny(pending!.id, { by: 'security' });
      return { action: 'accept', content: { approve: true } };
    });
    const result = await client.callTool({ name: 'pay', arguments: { to: 'h', amount: 999 } });
    expect(denialOf(result)).toMatchObject({ reason: 'approval_denied' });
    expect(paid).toEqual([]);
  });

  it('serves over Streamable HTTP, elicitation included', async () => {
    const { runner, paid } = paymentsRunner();
    const transports = new Map<string, StreamableHTTPServerTransport>();
    const http = createServer(async (req, res) => {
      const sid = req.headers['mcp-session-id'];
      let transport = typeof sid === 'string' ? transports.get(sid) : undefined;
      if (!transport) {
        transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: randomUUID,
          onsessioninitialized: (id) => void transports.set(id, transport!),
        });
        await createGatedMcpServer({ runner }).connect(transport);
      }
      await transport.handleRequest(req, res);
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanup.push(async () => {
      for (const t of transports.values()) await t.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    });
    const url = new URL(`http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`);
    const client = new Client({ name: 'http-host', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } });
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { approve: true } }));
    await client.connect(new StreamableHTTPClientTransport(url));
    cleanup.push(() => client.close());
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['pay']);
    const result = await client.callTool({ name: 'pay', arguments: { to: 'ivy', amount: 250 } });
    expect(result.isError).toBeUndefined();
    expect(paid).toEqual([{ to: 'ivy', amount: 250 }]);
  });

  it('in front of a gated client: its server’s tools gated, its prompts and resources passed through', async () => {
    const runner = new GatedToolRunner({
      gates: [
        {
          name: 'no-env',
          stage: 'rule',
          check: (ctx) =>
            ctx.tool === 'get-env'
              ? { outcome: 'block', reason: 'secret', message: 'No.' }
              : { outcome: 'allow', reason: 'ok' },
        },
      ],
    });
    const [command, ...args] = everythingServer();
    const upstream = await GatedMcpClient.connect({ runner, server: { command: command!, args, stderr: 'ignore' } });
    cleanup.push(() => upstream.close());
    const { client } = await hostInMemory({ client: upstream });
    expect(client.getServerVersion()?.name).toBe('mcp-servers/everything');
    const sum = await client.callTool({ name: 'get-sum', arguments: { a: 2, b: 3 } });
    expect(textOf(sum)).toContain('5');
    expect(denialOf(await client.callTool({ name: 'get-env', arguments: {} }))).toMatchObject({ reason: 'secret' });
    const direct = await upstream.client.listPrompts();
    expect(await client.listPrompts()).toEqual(direct);
    const resources = await client.listResources();
    expect(resources).toEqual(await upstream.client.listResources());
    const first = resources.resources[0]!;
    expect(await client.readResource({ uri: first.uri })).toEqual(
      await upstream.client.readResource({ uri: first.uri }),
    );
  });
});
