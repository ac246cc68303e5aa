// The Streamable HTTP proxy (in process) with the SDK's own HTTP client as the host, and the gated client over
// HTTP, in front of the real filesystem server and the probe server.
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { GatedToolRunner, MemoryApprovalStore } from '@tollgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatedMcpClient, type HttpProxy, startHttpProxy, ToolAnnotationGate } from '../src/index.js';
import { alive, childrenOf, filesystemServer, probeServer, sandbox, textOf, waitFor } from './support.js';

function proxyOf(server: string[], options: Partial<Parameters<typeof startHttpProxy>[0]> = {}): Promise<HttpProxy> {
  const [command, ...args] = server;
  const gates = [new ToolAnnotationGate()];
  const approvals = new MemoryApprovalStore();
  return startHttpProxy({
    command: command!,
    args,
    runner: () => new GatedToolRunner({ gates, approvals }),
    ...options,
  });
}

async function host(
  url: string,
  capabilities = {},
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: 'http-host', version: '1.0.0' }, { capabilities });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  return { client, transport };
}

describe('the Streamable HTTP proxy', () => {
  const box = sandbox();
  let proxy: HttpProxy;

  beforeAll(async () => {
    proxy = await proxyOf(filesystemServer(box.dir));
  });
  afterAll(async () => {
    await proxy?.close();
    box.remove();
  });

  it('serves the gated tools to the SDK client, approvals through elicitation', async () => {
    const { client, transport } = await host(proxy.url, { elicitation: { form: {} } });
    let asked = 0;
    client.setRequestHandler(ElicitRequestSchema, async () => {
      asked++;
      return { action: 'accept', content: { approve: true } };
    });
    await client.connect(transport);
    expect(proxy.sessions).toBe(1);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('write_file');
    const read = await client.callTool({ name: 'read_text_file', arguments: { path: join(box.dir, 'notes.txt') } });
    expect(textOf(read)).toBe('hello from the sandbox\n');
    const target = join(box.dir, 'sub', 'http.txt');
    const written = await client.callTool({ name: 'write_file', arguments: { path: target, content: 'over http' } });
    expect(written.isError).toBeFalsy();
    expect(asked).toBe(1);
    expect(readFileSync(target, 'utf8')).toBe('over http');
    await transport.terminateSession();
    await client.close();
    await waitFor(() => proxy.sessions === 0, 20_000, 'the session to close');
  });

  it('lets a gated client reach a server through it, each session with its own server process', async () => {
    const runner = new GatedToolRunner();
    const a = await GatedMcpClient.connect({ runner, server: { url: proxy.url } });
    const b = await GatedMcpClient.connect({ runner: new GatedToolRunner(), server: { url: proxy.url } });
    expect(proxy.sessions).toBe(2);
    const read = await runner.call('read_text_file', { path: join(box.dir, 'notes.txt') });
    expect(read.status).toBe('executed');
    // The proxy's own gate asks; the client sees the proxy's answer as the tool's failure.
    const write = await runner.call('write_file', { path: join(box.dir, 'sub', 'y.txt'), content: 'y' });
    expect(write).toMatchObject({ status: 'tool_error', error: { name: 'mcp_tool_error' } });
    expect(write.message).toContain('approval_required');
    await a.close();
    await b.close();
  });

  it('refuses requests without a session, with an unknown session, or for another path', async () => {
    const url = new URL(proxy.url);
    const get = await fetch(url, { headers: { accept: 'text/event-stream' } });
    expect(get.status).toBe(400);
    const unknown = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': 'nope',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(unknown.status).toBe(404);
    const notInit = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(notInit.status).toBe(400);
    const garbage = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(garbage.status).toBe(400);
    expect((await fetch(new URL('/elsewhere', url))).status).toBe(404);
    // None of these opened a session (the gated clients' DELETEs close theirs as their servers stop).
    await waitFor(() => proxy.sessions === 0, 20_000, 'no session to be left');
  });

  it('refuses a Host header that is not its own (DNS rebinding)', async () => {
    const { client, transport } = await host(proxy.url.replace('127.0.0.1', 'localhost'));
    await client.connect(transport);
    await transport.terminateSession();
    await client.close();
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    });
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        proxy.url,
        {
          method: 'POST',
          headers: {
            host: 'evil.example',
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(status).toBe(403);
    await waitFor(() => proxy.sessions === 0, 20_000, 'no session to be left');
  });
});

describe('the Streamable HTTP proxy’s limits', () => {
  let before: number[] = [];
  beforeAll(() => {
    before = childrenOf(process.pid);
  });

  it('needs a bearer token off loopback, and checks it', async () => {
    await expect(proxyOf(probeServer(), { host: '0.0.0.0' })).rejects.toThrow(/needs a bearer token/);
    const proxy = await proxyOf(probeServer(), { token: 's3cret' });
    try {
      const { client, transport } = await host(proxy.url);
      await expect(client.connect(transport)).rejects.toThrow();
      const authorized = new Client({ name: 'h', version: '1' });
      await authorized.connect(
        new StreamableHTTPClientTransport(new URL(proxy.url), {
          requestInit: { headers: { authorization: 'Bearer s3cret' } },
        }),
      );
      const echo = await authorized.callTool({ name: 'echo', arguments: { text: 'auth' } }, CallToolResultSchema);
      expect(JSON.parse(textOf(echo)).text).toBe('auth');
      await authorized.close();
    } finally {
      await proxy.close();
    }
  });

  it('caps sessions, and closes one with nothing open for sessionIdleMs, stopping its server', async () => {
    const proxy = await proxyOf(probeServer(), { maxSessions: 1, sessionIdleMs: 1000 });
    try {
      const first = await host(proxy.url);
      await first.client.connect(first.transport);
      const second = await host(proxy.url);
      await expect(second.client.connect(second.transport)).rejects.toThrow(/503|already serves/);
      const servers = childrenOf(process.pid).filter((pid) => !before.includes(pid));
      expect(servers.length).toBe(1);
      // The host holds its SSE stream open: the session is not idle, however long nothing is asked.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(proxy.sessions).toBe(1);
      // It goes away without a DELETE: once nothing is open, the idle clock runs out.
      await first.client.close();
      await waitFor(() => proxy.sessions === 0, 20_000, 'the idle session to close');
      await waitFor(() => servers.every((pid) => !alive(pid)), 20_000, 'its server to stop');
    } finally {
      await proxy.close();
    }
  });
});
