// Hostile MCP servers (test/fixtures/hostile-server.mjs) behind the gated client: each way a server can fail
// ends as a GateResult with a stable code, in bounded time, with no process left behind.
import { GatedToolRunner } from '@tollgate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ChildProcessTransport, GatedMcpClient, McpReason } from '../src/index.js';
import { alive, hostileServer, textOf, waitFor } from './support.js';

const open: GatedMcpClient[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

async function connect(mode: string, options: { timeoutMs?: number; args?: string[] } = {}) {
  const [command, ...args] = hostileServer(mode, ...(options.args ?? []));
  const runner = new GatedToolRunner();
  const client = await GatedMcpClient.connect({
    runner,
    server: { command: command!, args, stderr: 'ignore' },
    timeoutMs: options.timeoutMs ?? 10_000,
  });
  open.push(client);
  return { runner, client };
}

describe('a hostile server behind the gated client', () => {
  it('that hangs: the call ends as mcp_timeout after the timeout, and the server is told to cancel', async () => {
    const { runner } = await connect('hang', { timeoutMs: 300 });
    const result = await runner.call('poke', { n: 1 });
    expect(result).toMatchObject({ status: 'tool_error', reason: 'tool_error', error: { name: McpReason.timeout } });
    expect(result.message).toContain('did not answer the call to poke within 300 ms');
  });

  it('that crashes mid-call: mcp_server_exited, then mcp_not_connected; nothing throws', async () => {
    const { runner } = await connect('crash');
    const first = await runner.call('poke', {});
    expect(first).toMatchObject({ status: 'tool_error', error: { name: McpReason.serverExited } });
    const second = await runner.call('poke', {});
    expect(second.status).toBe('tool_error');
    expect([McpReason.notConnected, McpReason.serverExited]).toContain(second.error?.name);
  });

  it('that answers with a 20 MiB line: dropped while it streams in, mcp_output_too_large at once', async () => {
    const { runner } = await connect('huge');
    const result = await runner.call('poke', {});
    expect(result).toMatchObject({ status: 'tool_error', error: { name: McpReason.outputTooLarge } });
    expect(result.error?.message).toMatch(/over the 16777216-byte limit/);
    // The connection survives: the next line is read normally.
    expect((await runner.call('poke', {})).error?.name).toBe(McpReason.outputTooLarge);
  });

  it('that answers with something that is not a tool result: mcp_malformed_result', async () => {
    const { runner } = await connect('malformed');
    expect(await runner.call('poke', {})).toMatchObject({
      status: 'tool_error',
      error: { name: McpReason.malformedResult },
    });
  });

  it('that writes garbage lines between messages: they are skipped and the call still succeeds', async () => {
    const { runner } = await connect('garbage');
    const result = await runner.call('poke', { n: 7 });
    expect(result.status).toBe('executed');
    expect(textOf(result.result)).toBe('n=7');
  });

  it('that answers with a JSON-RPC error or a failed tool result: mcp_error_response and mcp_tool_error', async () => {
    const rpc = await connect('rpc-error');
    const refused = await rpc.runner.call('poke', {});
    expect(refused).toMatchObject({ status: 'tool_error', error: { name: McpReason.errorResponse } });
    expect(refused.message).toContain('poke refuses');
    const failed = await (await connect('is-error')).runner.call('poke', {});
    expect(failed).toMatchObject({ status: 'tool_error', error: { name: McpReason.toolError } });
    expect(failed.message).toContain('poke failed on purpose');
  });

  it('that never finishes the handshake: connect rejects after the timeout and stops the server', async () => {
    const [command, ...args] = hostileServer('init-hang');
    const transport = new ChildProcessTransport({ command: command!, args, stderr: 'ignore', closeStepMs: 200 });
    const attempt = GatedMcpClient.connect({
      runner: new GatedToolRunner(),
      server: transport,
      connectTimeoutMs: 1000,
    });
    await expect(attempt).rejects.toThrow(/Could not connect to the MCP server/);
    expect(transport.pid).toBeDefined();
    await waitFor(() => !alive(transport.pid!), 10_000, 'the server to be stopped');
  });

  it('that cannot be started: connect rejects naming the command', async () => {
    const attempt = GatedMcpClient.connect({
      runner: new GatedToolRunner(),
      server: { command: '/nonexistent/mcp-server' },
    });
    await expect(attempt).rejects.toThrow(/ENOENT/);
  });
});

describe('ChildProcessTransport', () => {
  it('stops the server’s whole process group: a grandchild that ignores SIGTERM is gone too', async () => {
    const { runner, client } = await connect('grandchild');
    const grandchild = Number(textOf((await runner.call('poke', {})).result));
    expect(alive(grandchild)).toBe(true);
    await client.close();
    await waitFor(() => !alive(grandchild), 10_000, 'the grandchild to end');
  });

  it('kills a server that ignores the end of stdin and SIGTERM, within its close steps', async () => {
    const [command, ...args] = hostileServer('slow-exit');
    const transport = new ChildProcessTransport({ command: command!, args, stderr: 'ignore', closeStepMs: 200 });
    const answered = new Promise((resolve) => {
      transport.onmessage = resolve;
    });
    await transport.start();
    // Once it answers, it has installed its SIGTERM handler.
    await transport.send({ jsonrpc: '2.0', id: 1, method: 'ping' });
    await answered;
    const pid = transport.pid!;
    await transport.close();
    expect(await transport.exited()).toMatchObject({ signal: 'SIGKILL' });
    expect(alive(pid)).toBe(false);
  });

  it('refuses a message limit below 1 KiB', () => {
    expect(() => new ChildProcessTransport({ command: 'x', maxMessageBytes: 10 })).toThrow(TypeError);
  });
});
