// The stdio proxy as a process (test/fixtures/proxy.ts), with the SDK's own client as the host, in front of the
// real everything and filesystem servers, a probe server and hostile ones.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode,
  ListRootsRequestSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alive,
  childrenOf,
  denialOf,
  everythingServer,
  filesystemServer,
  fixture,
  hostileServer,
  hostThroughProxy,
  type ProxyHost,
  probeServer,
  sandbox,
  textOf,
  waitFor,
} from './support.js';

const ALLOW_ALL = {
  readOnly: 'allow',
  openWorld: 'allow',
  destructive: 'allow',
  notReadOnly: 'allow',
  unannotated: 'allow',
};
const HOST_CAPABILITIES = { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } };

function answerServerRequests(client: Client, seen: string[]): void {
  client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
    seen.push(`sampling:${JSON.stringify(request.params.messages[0]?.content)}`);
    return { model: 'test-model', role: 'assistant', content: { type: 'text', text: 'sampled by the host' } };
  });
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    seen.push(`elicitation:${request.params.message}`);
    return {
      action: 'accept',
      content: { name: 'Ada', check: true, integer: 3, firstLine: 'hi', email: 'ada@example.com' },
    };
  });
  client.setRequestHandler(ListRootsRequestSchema, async () => {
    seen.push('roots');
    return { roots: [{ uri: 'file:///work/project', name: 'project' }] };
  });
}

describe('the stdio proxy in front of the everything server', () => {
  let proxied: ProxyHost;
  let direct: Client;
  const seen: string[] = [];

  beforeAll(async () => {
    proxied = await hostThroughProxy(everythingServer(), {
      effects: ALLOW_ALL,
      capabilities: HOST_CAPABILITIES,
      setup: (client) => answerServerRequests(client, seen),
    });
    direct = new Client({ name: 'test-host', version: '1.0.0' }, { capabilities: HOST_CAPABILITIES });
    answerServerRequests(direct, []);
    const [command, ...args] = everythingServer();
    await direct.connect(new StdioClientTransport({ command: command!, args, stderr: 'ignore' }));
  });
  afterAll(async () => {
    await proxied?.close();
    await direct?.close();
  });

  it('answers the handshake as the server does, and lists the same tools, prompts and resources', async () => {
    const client = proxied.client;
    expect(client.getServerVersion()).toEqual(direct.getServerVersion());
    expect(client.getServerCapabilities()).toEqual(direct.getServerCapabilities());
    expect(client.getInstructions()).toEqual(direct.getInstructions());
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name).sort()).toEqual((await direct.listTools()).tools.map((t) => t.name).sort());
    expect(tools.tools.length).toBeGreaterThanOrEqual(15);
    expect(await client.listPrompts()).toEqual(await direct.listPrompts());
    expect(await client.listResources()).toEqual(await direct.listResources());
    expect(await client.listResourceTemplates()).toEqual(await direct.listResourceTemplates());
  });

  it('passes prompts, resource reads, completions and logging through unchanged', async () => {
    const client = proxied.client;
    const args = { name: 'args-prompt', arguments: { city: 'Paris', state: 'TX' } };
    expect(await client.getPrompt(args)).toEqual(await direct.getPrompt(args));
    const uri = (await direct.listResources()).resources[0]!.uri;
    expect(timeless(await client.readResource({ uri }))).toEqual(timeless(await direct.readResource({ uri })));
    const complete = {
      ref: { type: 'ref/prompt' as const, name: 'completable-prompt' },
      argument: { name: 'department', value: 'E' },
    };
    expect(await client.complete(complete)).toEqual(await direct.complete(complete));
    expect(await client.setLoggingLevel('error')).toEqual({});
  });

  it('runs every kind of tool and returns its result as the server sent it', async () => {
    const client = proxied.client;
    const calls = [
      { name: 'echo', arguments: { message: 'hi' } },
      { name: 'get-sum', arguments: { a: 40, b: 2 } },
      { name: 'get-tiny-image', arguments: {} },
      { name: 'get-annotated-message', arguments: { messageType: 'success', includeImage: true } },
      { name: 'get-resource-links', arguments: { count: 2 } },
      { name: 'get-resource-reference', arguments: { resourceType: 'Text', resourceId: 1 } },
      { name: 'get-structured-content', arguments: { location: 'Chicago' } },
    ];
    for (const call of calls) {
      const via = await client.callTool(call);
      expect(timeless(via), call.name).toEqual(timeless(await direct.callTool(call)));
      expect(via.isError, call.name).toBeFalsy();
    }
    const annotated = (await client.callTool(calls[3]!)) as { content: { type: string }[] };
    const kinds = new Set(annotated.content.map((c) => c.type));
    expect(kinds).toEqual(new Set(['text', 'image']));
  });

  it('relays progress under the host’s token', async () => {
    const progress: number[] = [];
    const result = await proxied.client.callTool(
      { name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 3 } },
      CallToolResultSchema,
      {
        onprogress: (p) => progress.push(p.progress),
      },
    );
    expect(result.isError).toBeFalsy();
    // The SDK server sends its last notification as it returns, and it can land after the response (the SDK's
    // client then drops it): the same happens with no proxy in between. The ones before it always arrive.
    expect([
      [1, 2],
      [1, 2, 3],
    ]).toContainEqual(progress);
  });

  it('passes the server’s own requests to the host: sampling, elicitation and roots', async () => {
    const client = proxied.client;
    const sampled = await client.callTool({
      name: 'trigger-sampling-request',
      arguments: { prompt: 'say hi', maxTokens: 10 },
    });
    expect(JSON.stringify(sampled)).toContain('sampled by the host');
    expect(seen.some((s) => s.startsWith('sampling:') && s.includes('say hi'))).toBe(true);
    const elicited = await client.callTool({ name: 'trigger-elicitation-request', arguments: {} });
    expect(JSON.stringify(elicited)).toContain('Ada');
    const roots = await client.callTool({ name: 'get-roots-list', arguments: {} });
    expect(JSON.stringify(roots)).toContain('file:///work/project');
    expect(seen).toContain('roots');
  });

  it('passes task-augmented calls and the task requests that follow through', async () => {
    const stream = proxied.client.experimental.tasks.callToolStream(
      { name: 'simulate-research-query', arguments: { topic: 'gates' } },
      CallToolResultSchema,
      {
        timeout: 60_000,
      },
    );
    const kinds: string[] = [];
    let final: unknown;
    for await (const message of stream) {
      kinds.push(message.type);
      if (message.type === 'result') final = message.result;
      if (message.type === 'error') throw message.error;
    }
    expect(kinds[0]).toBe('taskCreated');
    expect(kinds.at(-1)).toBe('result');
    expect(JSON.stringify(final)).toContain('gates');
  });
});

describe('the stdio proxy in front of the probe server', () => {
  let proxied: ProxyHost;
  const asked: string[] = [];

  beforeAll(async () => {
    proxied = await hostThroughProxy(probeServer(), {
      capabilities: { elicitation: { form: {} } },
      setup: (client) =>
        client.setRequestHandler(ElicitRequestSchema, async (request) => {
          asked.push(request.params.message);
          return { action: 'accept', content: { approve: true } };
        }),
    });
  });
  afterAll(async () => {
    await proxied?.close();
  });

  it('answers 100 concurrent calls, each with its own result', async () => {
    const texts = Array.from({ length: 100 }, (_, i) => `call-${i}`);
    const results = await Promise.all(
      texts.map((text) => proxied.client.callTool({ name: 'echo', arguments: { text } })),
    );
    expect(results.map((r) => JSON.parse(textOf(r)).text)).toEqual(texts);
  });

  it('passes the host’s cancellation on to the server', async () => {
    const controller = new AbortController();
    const call = proxied.client.callTool(
      { name: 'sleep', arguments: { ms: 60_000, tag: 'cancel-me' } },
      CallToolResultSchema,
      { signal: controller.signal },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort('changed my mind');
    await expect(call).rejects.toThrow();
    let cancelled: string[] = [];
    for (let i = 0; i < 50 && !cancelled.includes('cancel-me'); i++) {
      cancelled = JSON.parse(textOf(await proxied.client.callTool({ name: 'cancelled', arguments: {} })));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(cancelled).toContain('cancel-me');
  });

  it('asks for approval through the host’s elicitation and runs the call once, with the approved arguments', async () => {
    const result = await proxied.client.callTool({ name: 'record', arguments: { value: 'exactly once' } });
    expect(result.isError).toBeFalsy();
    expect(asked.at(-1)).toContain('record wants to run with');
    const records = JSON.parse(textOf(await proxied.client.callTool({ name: 'records', arguments: {} })));
    expect(records).toEqual([{ value: 'exactly once' }]);
  });

  it('refuses a malformed tools/call with a JSON-RPC error, and answers unknown tools and methods', async () => {
    const malformed = proxied.client.request(
      { method: 'tools/call', params: { arguments: {} } as never },
      CallToolResultSchema,
    );
    await expect(malformed).rejects.toMatchObject({ code: ErrorCode.InvalidParams });
    const unknown = await proxied.client.callTool({ name: 'no-such-tool', arguments: {} });
    expect(denialOf(unknown)).toMatchObject({ reason: 'unknown_tool' });
    const method = proxied.client.request({ method: 'no/such/method', params: {} } as never, CallToolResultSchema);
    await expect(method).rejects.toBeInstanceOf(McpError);
  });

  it('stops the server when the host goes, and exits itself', async () => {
    const children = childrenOf(proxied.pid);
    expect(children.length).toBeGreaterThan(0);
    await proxied.close();
    await waitFor(
      () => !alive(proxied.pid) && children.every((pid) => !alive(pid)),
      20_000,
      'the proxy and its server to exit',
    );
  });
});

describe('the stdio proxy in front of the filesystem server', () => {
  const box = sandbox();
  let proxied: ProxyHost;
  const answers: boolean[] = [];

  beforeAll(async () => {
    const sub = `${join(box.dir, 'sub')}/`;
    proxied = await hostThroughProxy(filesystemServer(box.dir), {
      capabilities: { elicitation: { form: {} } },
      rules: [
        {
          id: 'writes-in-sub',
          effect: 'block',
          reason: 'outside_sub',
          message: 'Writes go under sub/ only.',
          match: { tool: ['write_file', 'edit_file', 'create_directory'] },
          when: {
            any: [
              { not: { path: '/path', op: 'starts_with', value: sub } },
              { path: '/path', op: 'contains', value: '..' },
            ],
          },
        },
      ],
      setup: (client) =>
        client.setRequestHandler(ElicitRequestSchema, async () => ({
          action: 'accept',
          content: { approve: answers.shift() ?? false },
        })),
    });
  });
  afterAll(async () => {
    await proxied?.close();
    box.remove();
  });

  it('allows reads, blocks writes outside sub/, and runs an approved write once with the approved arguments', async () => {
    const client = proxied.client;
    const read = await client.callTool({ name: 'read_text_file', arguments: { path: join(box.dir, 'notes.txt') } });
    expect(textOf(read)).toBe('hello from the sandbox\n');
    for (const path of [join(box.dir, 'x.txt'), join(box.dir, 'sub', '..', 'x.txt')]) {
      const outside = await client.callTool({ name: 'write_file', arguments: { path, content: 'no' } });
      expect(denialOf(outside)).toMatchObject({ status: 'blocked', reason: 'outside_sub' });
    }
    answers.push(true);
    const target = join(box.dir, 'sub', 'approved.txt');
    const written = await client.callTool({ name: 'write_file', arguments: { path: target, content: 'approved' } });
    expect(written.isError).toBeFalsy();
    expect(readFileSync(target, 'utf8')).toBe('approved');
  });

  it('sends move_file to approval: declined, nothing moves', async () => {
    answers.push(false);
    const moved = await proxied.client.callTool({
      name: 'move_file',
      arguments: { source: join(box.dir, 'notes.txt'), destination: join(box.dir, 'sub', 'notes.txt') },
    });
    expect(denialOf(moved)).toMatchObject({ reason: 'approval_denied' });
    expect(existsSync(join(box.dir, 'notes.txt'))).toBe(true);
    expect(existsSync(join(box.dir, 'sub', 'notes.txt'))).toBe(false);
  });
});

describe('the stdio proxy in front of hostile servers', () => {
  it('a server that crashes mid-call: the call ends as mcp_server_exited, then the proxy exits; nothing is left', async () => {
    const proxied = await hostThroughProxy(hostileServer('crash'));
    const children = childrenOf(proxied.pid);
    const result = await proxied.client.callTool({ name: 'poke', arguments: {} });
    expect(result.isError).toBe(true);
    expect(denialOf(result)).toMatchObject({ status: 'tool_error', error: 'mcp_server_exited' });
    await waitFor(() => !alive(proxied.pid) && children.every((pid) => !alive(pid)), 20_000, 'the proxy to exit');
    await proxied.close();
  });

  it('a server that hangs and ignores SIGTERM: mcp_timeout, and it is killed when the host goes', async () => {
    const proxied = await hostThroughProxy(hostileServer('hang', '--ignore-sigterm'), { timeoutMs: 1000 });
    const children = childrenOf(proxied.pid);
    const started = Date.now();
    const result = await proxied.client.callTool({ name: 'poke', arguments: {} });
    expect(denialOf(result)).toMatchObject({ status: 'tool_error', error: 'mcp_timeout' });
    expect(Date.now() - started).toBeLessThan(30_000);
    await proxied.close();
    await waitFor(
      () => !alive(proxied.pid) && children.every((pid) => !alive(pid)),
      20_000,
      'the proxy and the server to exit',
    );
  });

  it('a server that never answers the handshake: the host gets an error within the timeout', async () => {
    const attempt = hostThroughProxy(hostileServer('init-hang'), { timeoutMs: 1000 });
    await expect(attempt).rejects.toThrow(/did not answer initialize within 1000 ms/);
  });

  it('a host that writes garbage: the proxy skips it and still answers', async () => {
    const proxy = spawnProxy(probeServer());
    try {
      const lines = createInterface({ input: proxy.stdout! });
      const answer = new Promise<string>((resolve) => lines.once('line', resolve));
      proxy.stdin!.write('this is not json\n{"jsonrpc":"2.0","oops":true}\n');
      proxy.stdin!.write(
        `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } })}\n`,
      );
      expect(JSON.parse(await answer)).toMatchObject({ id: 1, result: { serverInfo: { name: 'probe' } } });
    } finally {
      proxy.stdin!.end();
      await new Promise((resolve) => proxy.once('exit', resolve));
    }
  });
});

/** The everything server stamps its resources with the time each server process made them: compare without. */
function timeless(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value).replace(/created at \d{1,2}:\d{2}:\d{2}\s?[AP]M/g, 'created at <time>'));
}

function spawnProxy(server: string[]): ChildProcess {
  return spawn(
    process.execPath,
    ['--conditions=@tollgate/source', '--import', 'tsx', fixture('proxy.ts'), '--', ...server],
    {
      stdio: ['pipe', 'pipe', 'ignore'],
    },
  );
}
