import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { authenticate, forbidden } from './accounts.js';
import type { EmulatorEndpoint, EmulatorRules } from './config.js';
import { EmulatorCore } from './core.js';
import { type Answer, fail, HttpError, invalid } from './http.js';
import { type Replays, ROUTES } from './routes.js';
import { type EmulatorState, emptyState, type ReceivedRequest } from './state.js';

/** Options for {@link startBighubEmulator}. */
export interface EmulatorOptions {
  /** Port to listen on (default 0: any free port). */
  port?: number;
  /** Interface to listen on (default `127.0.0.1`). */
  host?: string;
  /** Decision rules, latency and faults; change them later with `setRules`. */
  rules?: EmulatorRules;
  /**
   * When set, every request but signup, login and refresh needs credentials, else 401: `X-API-Key` with this key
   * (every scope) or a key made with `POST /api-keys` (its scopes, else 403), or `Authorization: Bearer` with this
   * key or a session's access token.
   */
  apiKey?: string;
  /** Lifetime of access tokens from signup, login and refresh, in ms (default 900 000). */
  accessTokenTtlMs?: number;
}

/** A running emulator. */
export interface BighubEmulator {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly state: EmulatorState;
  /** Replaces the rules; the kill switch is set to `rules.killSwitch` (inactive when absent). */
  setRules(rules: EmulatorRules): void;
  /** Logged requests to one endpoint, oldest first. */
  requestsTo(endpoint: EmulatorEndpoint): ReceivedRequest[];
  /** Ends every session's access token now, so the next bearer call gets 401 (to exercise token refresh). */
  expireAccessTokens(): void;
  /** Resolves once no webhook delivery is in flight. */
  idle(): Promise<void>;
  /** Stops listening, aborts deliveries and drops open connections, including delayed ones. */
  close(): Promise<void>;
}

/**
 * Starts a local BIGHUB on node:http that serves every endpoint `BighubClient` calls, with the seed SDK's semantics:
 * decisions from configured rules and from rules created through the API (paused rules ignored, `max_per_day`
 * counted), versioned rules with previewed JSON Patch and optimistic locking, approvals, a kill switch that blocks
 * every decision while active, an event log, webhooks delivered signed (Standard Webhooks) to URLs on this machine
 * with deliveries and replay, API keys with scopes, and user sessions with rotating refresh tokens. POSTs with a
 * repeated `Idempotency-Key` get the first answer again, as BIGHUB does. Latency and faults can be injected per
 * endpoint. For tests and offline development; not a security boundary.
 */
export async function startBighubEmulator(options: EmulatorOptions = {}): Promise<BighubEmulator> {
  const state = emptyState();
  const core = new EmulatorCore(state, options.rules ?? {}, options.accessTokenTtlMs ?? 900_000);
  const faultsUsed = new Map<EmulatorEndpoint, number>();
  const replays: Replays = new Map();
  const timers = new Set<NodeJS.Timeout>();

  const applyKillSwitch = (value: EmulatorRules['killSwitch']) => {
    const reason = typeof value === 'object' ? value.reason : undefined;
    state.killSwitch = value ? { active: true, reason, scope: 'global', activated_at: core.iso() } : { active: false };
  };
  applyKillSwitch(core.config.killSwitch);

  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const raw = await text(req);
    let body: unknown;
    try {
      body = raw === '' ? {} : JSON.parse(raw);
    } catch {
      body = undefined;
    }
    const route = ROUTES.find((r) => r.method === req.method && r.pattern.test(url.pathname));
    const header = req.headers['idempotency-key'];
    const entry: ReceivedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      endpoint: route?.endpoint,
      query: Object.fromEntries(url.searchParams),
      idempotencyKey: typeof header === 'string' ? header : undefined,
      headers: { ...req.headers },
      body,
      answered: false,
    };
    state.requests.push(entry);
    const send = (answer: Answer, headers: Record<string, string> = {}) => {
      entry.answered = true;
      entry.status = answer.status;
      res.writeHead(answer.status, { 'content-type': 'application/json', ...headers });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    };
    const principal = authenticate(core, req.headers, options.apiKey);
    if ('status' in principal && route?.scope !== null) return send(principal);
    if (!route) return send(fail(404, `No route for ${req.method} ${url.pathname}`, 'not_found'));
    if (route.scope !== null && 'scopes' in principal) {
      const denied = forbidden(principal, route.scope);
      if (denied) return send(denied);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return send(invalid('body', 'must be a JSON object'));
    }
    const latency = core.config.latencyMs?.[route.endpoint];
    if (latency) await delay(latency);
    const fault = core.config.faults?.[route.endpoint];
    const used = faultsUsed.get(route.endpoint) ?? 0;
    if (fault && (fault.times === undefined || used < fault.times)) {
      faultsUsed.set(route.endpoint, used + 1);
      if (fault.drop) {
        req.socket.destroy();
        return;
      }
      const status = fault.status ?? 503;
      return send(
        { status, body: fault.body ?? { detail: `Injected fault ${status}`, code: 'injected_fault' } },
        fault.headers,
      );
    }
    const replayKey = entry.idempotencyKey ? `${req.method} ${url.pathname}\n${entry.idempotencyKey}` : undefined;
    const replay = replayKey ? replays.get(replayKey) : undefined;
    if (replay) return send(replay, { 'idempotent-replayed': 'true' });
    const params = url.pathname.match(route.pattern)!.slice(1).map(decodeURIComponent);
    let answer: Answer;
    try {
      answer = await route.handle(
        core,
        {
          body: body as Record<string, unknown>,
          params,
          query: entry.query,
          userId: 'scopes' in principal ? principal.userId : undefined,
        },
        replays,
      );
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      answer = err.answer;
    }
    if (replayKey && answer.status < 300) replays.set(replayKey, { ...answer, at: core.now() });
    send(answer);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ detail: String(err), code: 'emulator_error' }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    state,
    setRules(next) {
      core.config = next;
      faultsUsed.clear();
      applyKillSwitch(next.killSwitch);
    },
    requestsTo: (endpoint) => state.requests.filter((r) => r.endpoint === endpoint),
    expireAccessTokens() {
      for (const session of state.sessions) session.accessExpiresAt = 0;
    },
    idle: () => core.idle(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        core.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
