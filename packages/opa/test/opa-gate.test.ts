import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatedToolRunner, type GateResult } from '@tollgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpaGate, type OpaGateOptions } from '../src/index.js';
import { type OpaTestServer, startOpa } from './opa-server.js';

// Stand-ins for Rego policies under data.tollgate.*.
const KNOWN = new Set(['UK123']);
let opa: OpaTestServer;
let clockNow = 1_700_000_000_000;

beforeAll(async () => {
  opa = await startOpa(
    {
      'tollgate/allow': (input) => input.action !== 'password.update',
      'tollgate/decision': (input) => {
        const args = input.args as { to?: string; amount?: number };
        if (input.action === 'password.update') return { allow: false, deny: ['agents may not change passwords'] };
        if (input.tool === 'send_money' && !KNOWN.has(String(args.to))) {
          return { effect: 'require_approval', reason: 'unknown_payee', message: 'A new payee needs approval.' };
        }
        if ((args.amount ?? 0) > 1000) return { allow: true, requires_hitl: true };
        return { allow: true };
      },
      'tollgate/wrong': () => ({ allow: 'yes' }),
      'tollgate/list': () => [1, 2],
    },
    {
      'tollgate/hang': () => {},
      'tollgate/down': (_req, res) => res.writeHead(503).end('{"code":"internal_error"}'),
      'tollgate/garbage': (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('<html>'),
      'tollgate/huge': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`{"result":{"allow":true,"pad":"${'x'.repeat(200_000)}"}}`);
      },
      'tollgate/forbidden': (_req, res) =>
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"code":"unauthorized","message":"token"}'),
    },
  );
});
afterAll(() => opa.close());

function runner(options: Partial<OpaGateOptions> = {}, toolGates: Record<string, unknown> = {}) {
  const gate = new OpaGate({ url: opa.url, path: 'tollgate/decision', cache: false, timeoutMs: 10_000, ...options });
  const tools = ['send_money', 'change_password', 'read_balance'].map((name) => ({
    name,
    parameters: { type: 'object' },
    handler: () => `ran ${name}`,
    ...(toolGates[name] ? { gates: { opa: toolGates[name] } } : {}),
  }));
  return {
    gate,
    runner: new GatedToolRunner({ gates: [gate], tools: tools as never, clock: { now: () => clockNow } }),
  };
}

const opaDecision = (r: GateResult) => r.decisions.find((d) => d.gate === 'opa')!;

describe('OpaGate against the Data API', () => {
  it('posts the call context as input and maps allow, block (deny reasons) and require_approval', async () => {
    const { runner: r } = runner({ actions: { change_password: 'password.update' } });
    const ctx = { actor: 'agent-7', tenant: 'acme', session: 's-1', scopes: ['payments'], roles: ['support'] };
    const before = opa.requests.length;
    expect((await r.call('send_money', { to: 'UK123', amount: 5 }, ctx)).status).toBe('executed');
    expect(opa.requests[before]).toMatchObject({
      path: 'tollgate/decision',
      input: {
        action: 'send_money',
        tool: 'send_money',
        args: { to: 'UK123', amount: 5 },
        actor: 'agent-7',
        tenant: 'acme',
        session: 's-1',
        scopes: ['payments'],
        roles: ['support'],
        metadata: {},
        dryRun: false,
        now: clockNow,
      },
    });
    const denied = await r.call('change_password', {}, ctx);
    expect(denied).toMatchObject({ status: 'blocked', blockedBy: 'opa', reason: 'opa_denied' });
    expect(denied.message).toBe('agents may not change passwords');
    expect(opaDecision(denied).data).toMatchObject({ action: 'password.update', decisionId: expect.any(String) });
    const asked = await r.call('send_money', { to: 'US999', amount: 5 }, ctx);
    expect(asked).toMatchObject({ status: 'approval_required', reason: 'unknown_payee' });
    const hitl = await r.call('send_money', { to: 'UK123', amount: 5000 }, ctx);
    expect(hitl).toMatchObject({ status: 'approval_required', reason: 'opa_approval_required' });
  });

  it('reads a boolean decision, and a tool option names the action', async () => {
    const { runner: r } = runner({ path: 'data.tollgate.allow' }, { change_password: { action: 'password.update' } });
    expect((await r.call('read_balance', {})).status).toBe('executed');
    expect(await r.call('change_password', {})).toMatchObject({ status: 'blocked', reason: 'opa_denied' });
  });

  it('blocks an undefined decision (default-deny) and a decision of the wrong shape, with their own codes', async () => {
    expect(await runner({ path: 'tollgate/none' }).runner.call('read_balance', {})).toMatchObject({
      status: 'blocked',
      reason: 'opa_undefined',
    });
    const wrong = await runner({ path: 'tollgate/wrong' }).runner.call('read_balance', {});
    expect(wrong).toMatchObject({ status: 'blocked', reason: 'opa_bad_result' });
    expect(wrong.message).toContain('`allow` is not a boolean');
    expect(await runner({ path: 'tollgate/list' }).runner.call('read_balance', {})).toMatchObject({
      reason: 'opa_bad_result',
    });
  });
});

describe('OpaGate when OPA fails or answers nonsense', () => {
  it('a timeout, a 5xx and a refused connection are unavailable: closed blocks, open allows', async () => {
    const hang = await runner({ path: 'tollgate/hang', timeoutMs: 200 }).runner.call('read_balance', {});
    expect(hang).toMatchObject({ status: 'blocked', reason: 'store_unavailable' });
    expect(opaDecision(hang).error?.message).toContain('no answer within 200 ms');
    const down = await runner({ path: 'tollgate/down' }).runner.call('read_balance', {});
    expect(down).toMatchObject({ status: 'blocked', reason: 'store_unavailable' });
    const open = await runner({ path: 'tollgate/down', failMode: 'open' }).runner.call('read_balance', {});
    expect(open).toMatchObject({ status: 'executed' });
    expect(opaDecision(open).reason).toBe('store_unavailable_fail_open');
    const closedPort = await freePort();
    const refused = new OpaGate({ url: `http://127.0.0.1:${closedPort}`, path: 'tollgate/allow' });
    const r = new GatedToolRunner({
      gates: [refused],
      tools: [{ name: 't', parameters: { type: 'object' }, handler: () => 1 }],
    });
    expect(await r.call('t', {})).toMatchObject({ status: 'blocked', reason: 'store_unavailable' });
  });

  it('non-JSON, oversized and refused (4xx) answers block with clear codes, whatever the fail mode', async () => {
    const garbage = await runner({ path: 'tollgate/garbage', failMode: 'open' }).runner.call('read_balance', {});
    expect(garbage).toMatchObject({ status: 'blocked', reason: 'opa_invalid_json' });
    const huge = await runner({ path: 'tollgate/huge', maxResponseBytes: 10_000 }).runner.call('read_balance', {});
    expect(huge).toMatchObject({ status: 'blocked', reason: 'opa_response_too_large' });
    const forbidden = await runner({ path: 'tollgate/forbidden' }).runner.call('read_balance', {});
    expect(forbidden).toMatchObject({ status: 'blocked', reason: 'opa_request_rejected' });
    expect(opaDecision(forbidden).data).toMatchObject({ status: 401, error: { code: 'unauthorized' } });
  });

  it('sends the configured headers', async () => {
    const before = opa.requests.length;
    await runner({ headers: { authorization: 'Bearer t0k' } }).runner.call('read_balance', {});
    expect(opa.requests[before]!.headers.authorization).toBe('Bearer t0k');
  });

  it('refuses bad options at construction', () => {
    expect(() => new OpaGate({ url: 'nope', path: 'a' })).toThrow(/absolute http\(s\) URL/);
    expect(() => new OpaGate({ url: 'ftp://x', path: 'a' })).toThrow(/http: or https:/);
    expect(() => new OpaGate({ url: opa.url, path: '../x' })).toThrow(/path must name a document/);
    expect(() => new OpaGate({ url: opa.url, path: 'a', timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => runner({}, { read_balance: { action: '' } })).toThrow(/\/action: must be a non-empty string/);
  });
});

describe('OpaGate decision cache', () => {
  it('reuses a decision for the same input within its TTL, asks again after, and stays bounded', async () => {
    const { gate, runner: r } = runner({ cache: { ttlMs: 1000, maxEntries: 2 } });
    const count = () => opa.requests.length;
    const start = count();
    await r.call('send_money', { to: 'UK123', amount: 1 }, { actor: 'a' });
    const again = await r.call('send_money', { to: 'UK123', amount: 1 }, { actor: 'a' });
    expect(count() - start).toBe(1);
    expect(opaDecision(again).data).toMatchObject({ cached: true });
    await r.call('send_money', { to: 'UK123', amount: 1 }, { actor: 'b' }); // another input: asked
    expect(count() - start).toBe(2);
    clockNow += 1000;
    await r.call('send_money', { to: 'UK123', amount: 1 }, { actor: 'a' }); // expired: asked again
    expect(count() - start).toBe(3);
    for (const actor of ['c', 'd', 'e']) await r.call('read_balance', {}, { actor });
    expect((gate as unknown as { cache: { size: number } }).cache.size).toBeLessThanOrEqual(2);
  });

  it('never caches an answer it could not read', async () => {
    const { runner: r } = runner({ path: 'tollgate/wrong', cache: { ttlMs: 60_000 } });
    const start = opa.requests.length;
    await r.call('read_balance', {});
    await r.call('read_balance', {});
    expect(opa.requests.length - start).toBe(2);
  });
});

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}
