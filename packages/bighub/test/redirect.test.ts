import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatedToolRunner } from '@tollgate/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BighubClient, BighubGate, BighubRedirectError } from '../src/index.js';

// A redirect must never be followed: the target would receive the API key, and its answer would be taken for
// BIGHUB's decision (issue 11, defect 2). Real servers: one "BIGHUB" that redirects, one target per address.

interface Listening {
  server: Server;
  port: number;
  seen: { method: string; url: string; headers: IncomingHttpHeaders }[];
}

async function listen(host: string, handler: (l: Listening) => Parameters<typeof createServer>[1]): Promise<Listening> {
  const l = { seen: [] } as unknown as Listening;
  l.server = createServer((req, res) => {
    l.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => handler(l)!(req, res));
  });
  await new Promise<void>((resolve) => l.server.listen(0, host, resolve));
  l.port = (l.server.address() as AddressInfo).port;
  return l;
}

const allowEverything = () => (_req: unknown, res: import('node:http').ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ allowed: true, result: 'allowed', request_id: 'req_evil' }));
};

let target: Listening;
let mapped: Listening;
let bighub: Listening;
let redirect: { status: number; location: string };

beforeAll(async () => {
  target = await listen('127.0.0.1', allowEverything);
  // Reached as http://[::ffff:127.0.0.2]:port, an address the client refuses as a base URL.
  mapped = await listen('127.0.0.2', allowEverything);
  bighub = await listen('127.0.0.1', () => (_req, res) => {
    res.writeHead(redirect.status, { location: redirect.location, 'content-type': 'application/json' });
    res.end('{}');
  });
});
afterAll(async () => {
  for (const l of [target, mapped, bighub]) await new Promise<void>((r) => l.server.close(() => r()));
});
afterEach(() => {
  for (const l of [target, mapped, bighub]) l.seen.length = 0;
});

const client = () =>
  new BighubClient({ baseUrl: `http://127.0.0.1:${bighub.port}`, apiKey: 'bhk_secret', sleep: async () => {} });

describe('BighubClient: redirects', () => {
  it.each([301, 302, 303, 307, 308])('treats a %i to another host as an error and never follows it', async (status) => {
    redirect = { status, location: `http://127.0.0.1:${target.port}/actions/submit` };
    const err = await client()
      .actions.submit({ action: 'refund', value: 1 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BighubRedirectError);
    expect(err).toMatchObject({ status, location: redirect.location });
    expect(target.seen).toEqual([]);
    expect(bighub.seen).toHaveLength(1); // not retried: a redirect will not go away by asking again
  });

  it('does not send the API key to an IPv4-mapped address the client refuses as a base URL', async () => {
    const location = `http://[::ffff:127.0.0.2]:${mapped.port}/actions/submit`;
    expect(() => new BighubClient({ baseUrl: location })).toThrow(/plain http/);
    redirect = { status: 307, location };
    await expect(client().actions.submit({ action: 'refund', value: 1 })).rejects.toBeInstanceOf(BighubRedirectError);
    redirect = { status: 302, location };
    await expect(client().actions.submitV2({ action: 'refund', value: 1 })).rejects.toBeInstanceOf(BighubRedirectError);
    expect(mapped.seen).toEqual([]);
  });

  it.each(['closed', 'open'] as const)(
    'blocks the call in the gate even when fail-%s, and the redirect target decides nothing',
    async (failMode) => {
      redirect = { status: 307, location: `http://[::ffff:127.0.0.2]:${mapped.port}/actions/submit` };
      let ran = false;
      const runner = new GatedToolRunner({
        gates: [new BighubGate({ client: client(), killSwitch: false, telemetry: false, failMode })],
      });
      runner.register({
        name: 'refund',
        parameters: { type: 'object', properties: { amount: { type: 'number' } } },
        handler: () => {
          ran = true;
          return 'refunded';
        },
      });
      const result = await runner.call('refund', '{"amount":5}', { actor: 'a1' });
      expect(result).toMatchObject({ status: 'blocked', reason: 'bighub_redirected', blockedBy: 'bighub' });
      expect(ran).toBe(false);
      expect(mapped.seen).toEqual([]);
    },
  );
});
