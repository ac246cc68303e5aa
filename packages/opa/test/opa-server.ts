// A small server implementing OPA's Data API as documented (https://www.openpolicyagent.org/docs/rest-api):
// `POST /v1/data/{path}` with `{"input": …}` answers 200 `{"result": …, "decision_id": …}`, or 200 `{}` when the
// document is undefined; a body that is not JSON is 400 `{"code":"invalid_parameter","message":…}`. OPA itself
// cannot be installed on our machines, so policies here are functions standing in for Rego rules.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A stand-in policy: the document's value for an input, or `undefined` for an undefined document. */
export type Policy = (input: Record<string, unknown>) => unknown;

/** Raw handlers for hostile behaviour: they answer the request themselves. */
export type RawHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface OpaTestServer {
  url: string;
  /** Bodies received (parsed), by path. */
  requests: { path: string; input: Record<string, unknown>; headers: IncomingMessage['headers'] }[];
  close(): Promise<void>;
}

export async function startOpa(
  policies: Record<string, Policy>,
  raw: Record<string, RawHandler> = {},
): Promise<OpaTestServer> {
  const requests: OpaTestServer['requests'] = [];
  let decisions = 0;
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.replace(/^\/v1\/data\/?/, '');
    if (raw[path]) return raw[path](req, res);
    if (req.method !== 'POST' || !url.pathname.startsWith('/v1/data'))
      return send(res, 405, { code: 'method_not_allowed' });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: { input?: Record<string, unknown> };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (err) {
      return send(res, 400, { code: 'invalid_parameter', message: `error(s) occurred while decoding: ${String(err)}` });
    }
    const input = body.input ?? {};
    requests.push({ path, input, headers: req.headers });
    const policy = policies[path];
    const result = policy ? policy(input) : undefined;
    send(res, 200, result === undefined ? {} : { result, decision_id: `dec-${++decisions}` });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
