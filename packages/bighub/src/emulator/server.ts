import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MemoryEvent, OutcomeReport } from '../client/types.js';
import { decide, type EmulatedAction, type EmulatorEndpoint, type EmulatorRules, render } from './rules.js';

/** Options for {@link startBighubEmulator}. */
export interface EmulatorOptions {
  /** Port to listen on (default 0: any free port). */
  port?: number;
  /** Interface to listen on (default `127.0.0.1`). */
  host?: string;
  /** Decision rules, latency and faults; change them later with `setRules`. */
  rules?: EmulatorRules;
  /** When set, every request needs `X-API-Key: <apiKey>` or `Authorization: Bearer <apiKey>`, else 401. */
  apiKey?: string;
}

/** One request the emulator received, logged on arrival. */
export interface ReceivedRequest {
  /** HTTP method. */
  method: string;
  /** URL path, without the query. */
  path: string;
  /** The endpoint it matched, if any. */
  endpoint: EmulatorEndpoint | undefined;
  /** Query parameters. */
  query: Record<string, string>;
  /** The `Idempotency-Key` header, if sent. */
  idempotencyKey: string | undefined;
  /** The parsed JSON body (`{}` when empty, `undefined` when not JSON). */
  body: unknown;
  /** True once an answer was sent (false while delayed by latency, or when dropped). */
  answered: boolean;
  /** Status of the answer. */
  status?: number;
}

/** An approval BIGHUB keeps for an action that needs review. */
export interface EmulatedApproval {
  /** The decision's `request_id`. */
  request_id: string;
  /** Lifecycle: pending, then approved or denied once. */
  status: 'pending' | 'approved' | 'denied';
  /** The action's fields, as submitted. */
  action: string;
  actor?: string;
  value?: number;
  target?: string;
  domain?: string;
  /** ISO 8601. */
  created_at: string;
  /** ISO 8601, once resolved. */
  resolved_at?: string;
  /** The resolver's comment. */
  comment?: string;
}

/** A decided action, as recorded (dry runs are not). */
export interface RecordedAction {
  /** Which decision endpoint received it. */
  endpoint: EmulatorEndpoint;
  /** The decision's id. */
  request_id: string;
  /** The action as received. */
  action: EmulatedAction;
  /** The verdict's kind: allow, approval, block or needs_context. */
  kind: string;
}

/** An ingested memory event with its envelope's actor and domain. */
export type StoredMemoryEvent = MemoryEvent & { actor?: string; domain?: string; source?: string };

/** Everything the emulator keeps, for tests to inspect. */
export interface EmulatorState {
  /** Every request, in arrival order. */
  requests: ReceivedRequest[];
  /** Decided actions (dry runs excluded). */
  actions: RecordedAction[];
  /** Approvals by `request_id`. */
  approvals: Map<string, EmulatedApproval>;
  /** Ingested memory events, deduplicated by `event_id`. */
  memoryEvents: StoredMemoryEvent[];
  /** Reported outcomes. */
  outcomes: OutcomeReport[];
  /** The kill switch, as `GET /kill-switch/status` answers it. */
  killSwitch: { active: boolean; reason?: string; scope?: string; activated_at?: string };
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
  /** Stops listening and drops open connections, including delayed ones. */
  close(): Promise<void>;
}

interface Route {
  endpoint: EmulatorEndpoint;
  method: 'GET' | 'POST';
  pattern: RegExp;
}

const ROUTES: Route[] = [
  { endpoint: 'submit', method: 'POST', pattern: /^\/actions\/submit$/ },
  { endpoint: 'submit_v2', method: 'POST', pattern: /^\/actions\/submit\/v2$/ },
  { endpoint: 'dry_run', method: 'POST', pattern: /^\/actions\/submit\/dry-run$/ },
  { endpoint: 'evaluate', method: 'POST', pattern: /^\/actions\/evaluate$/ },
  { endpoint: 'approvals', method: 'GET', pattern: /^\/approvals$/ },
  { endpoint: 'resolve', method: 'POST', pattern: /^\/approvals\/([^/]+)\/resolve$/ },
  { endpoint: 'memory_ingest', method: 'POST', pattern: /^\/actions\/memory\/ingest$/ },
  { endpoint: 'memory_context', method: 'GET', pattern: /^\/actions\/memory\/context$/ },
  { endpoint: 'outcomes', method: 'POST', pattern: /^\/outcomes\/report$/ },
  { endpoint: 'kill_switch', method: 'GET', pattern: /^\/kill-switch\/status$/ },
  { endpoint: 'kill_switch_activate', method: 'POST', pattern: /^\/kill-switch\/activate$/ },
  { endpoint: 'kill_switch_deactivate', method: 'POST', pattern: /^\/kill-switch\/deactivate$/ },
];

interface Answer {
  status: number;
  body: unknown;
}

/**
 * Starts a local BIGHUB on node:http implementing the endpoints `BighubClient` calls, with configurable rules
 * (max value, approval threshold, blocked actions, required context, kill switch), a response-generation switch,
 * and injected latency or faults per endpoint. POSTs with a repeated `Idempotency-Key` get the first answer again,
 * as BIGHUB does. For tests and offline development; not a security boundary.
 */
export async function startBighubEmulator(options: EmulatorOptions = {}): Promise<BighubEmulator> {
  let rules: EmulatorRules = options.rules ?? {};
  const state: EmulatorState = {
    requests: [],
    actions: [],
    approvals: new Map(),
    memoryEvents: [],
    outcomes: [],
    killSwitch: { active: false },
  };
  const faultsUsed = new Map<EmulatorEndpoint, number>();
  const replays = new Map<string, Answer>();
  const timers = new Set<NodeJS.Timeout>();

  const applyKillSwitch = (value: EmulatorRules['killSwitch']) => {
    const reason = typeof value === 'object' ? value.reason : undefined;
    state.killSwitch = value
      ? { active: true, reason, scope: 'global', activated_at: new Date().toISOString() }
      : { active: false };
  };
  applyKillSwitch(rules.killSwitch);

  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const handlers: Record<
    EmulatorEndpoint,
    (
      body: Record<string, unknown>,
      match: RegExpMatchArray,
      query: Record<string, string>,
      endpoint: EmulatorEndpoint,
    ) => Answer
  > = {
    submit: decision,
    submit_v2: decision,
    dry_run: decision,
    evaluate: decision,
    approvals: (_body, _m, query) => {
      const status = query.status ?? 'pending';
      const limit = Number(query.limit ?? 50);
      const list = [...state.approvals.values()].filter((a) => status === 'all' || a.status === status);
      return ok(list.slice(0, Number.isFinite(limit) && limit > 0 ? limit : 50));
    },
    resolve: (body, match) => {
      const approval = state.approvals.get(decodeURIComponent(match[1]!));
      if (!approval) return fail(404, 'Approval not found', 'not_found');
      if (body.resolution !== 'approved' && body.resolution !== 'denied') {
        return invalid('resolution', 'must be "approved" or "denied"');
      }
      if (approval.status !== 'pending') return fail(409, `Approval is already ${approval.status}`, 'already_resolved');
      approval.status = body.resolution;
      approval.resolved_at = new Date().toISOString();
      if (typeof body.comment === 'string') approval.comment = body.comment;
      return ok({ ...approval });
    },
    memory_ingest: (body) => {
      if (!Array.isArray(body.events)) return invalid('events', 'field required (an array)');
      const seen = new Set(state.memoryEvents.map((e) => e.event_id));
      let ingested = 0;
      for (const event of body.events as MemoryEvent[]) {
        if (seen.has(event.event_id)) continue;
        seen.add(event.event_id);
        state.memoryEvents.push({
          ...event,
          actor: str(body.actor),
          domain: str(body.domain),
          source: str(body.source),
        });
        ingested++;
      }
      return ok({ ingested, duplicates: body.events.length - ingested });
    },
    memory_context: (_body, _m, query) => ok(memoryContext(state.memoryEvents, query)),
    outcomes: (body) => {
      if (typeof body.status !== 'string') return invalid('status', 'field required');
      state.outcomes.push(body as OutcomeReport);
      return ok({ recorded: true, outcome_id: `out_${randomUUID()}` });
    },
    kill_switch: () => ok({ ...state.killSwitch }),
    kill_switch_activate: (body) => {
      state.killSwitch = {
        active: true,
        reason: str(body.reason),
        scope: str(body.scope) ?? 'global',
        activated_at: new Date().toISOString(),
      };
      return ok({ ...state.killSwitch });
    },
    kill_switch_deactivate: () => {
      state.killSwitch = { active: false };
      return ok({ ...state.killSwitch });
    },
  };

  function decision(
    body: Record<string, unknown>,
    _m: RegExpMatchArray,
    _q: Record<string, string>,
    endpoint: EmulatorEndpoint,
  ): Answer {
    if (typeof body.action !== 'string' || body.action === '') return invalid('action', 'field required');
    if (endpoint === 'evaluate' && typeof body.actor !== 'string') return invalid('actor', 'field required');
    if (body.value !== undefined && typeof body.value !== 'number') return invalid('value', 'must be a number');
    const context = (endpoint === 'evaluate' ? body.context : body.metadata) ?? {};
    const action: EmulatedAction = {
      action: body.action,
      value: body.value as number | undefined,
      target: str(body.target),
      actor: str(body.actor),
      domain: str(body.domain),
      context: typeof context === 'object' && context !== null ? (context as Record<string, unknown>) : {},
    };
    const requestId = `req_${randomUUID()}`;
    if (rules.decision) return ok({ request_id: requestId, ...rules.decision });
    const verdict = decide(rules, action, state.killSwitch.active);
    const dry = endpoint === 'dry_run' || body.dry_run === true;
    if (!dry) {
      state.actions.push({ endpoint, request_id: requestId, action, kind: verdict.kind });
      if (verdict.kind === 'approval') {
        state.approvals.set(requestId, {
          request_id: requestId,
          status: 'pending',
          action: action.action,
          actor: action.actor,
          value: action.value,
          target: action.target,
          domain: action.domain,
          created_at: new Date().toISOString(),
        });
      }
    }
    return ok(render(verdict, rules, requestId, action));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const raw = await readBody(req);
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
    if (options.apiKey !== undefined) {
      const key = req.headers['x-api-key'];
      if (key !== options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
        return send(fail(401, 'Invalid or missing API key', 'unauthorized'));
      }
    }
    if (!route) return send(fail(404, `No route for ${req.method} ${url.pathname}`, 'not_found'));
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return send(invalid('body', 'must be a JSON object'));
    }
    const latency = rules.latencyMs?.[route.endpoint];
    if (latency) await delay(latency);
    const fault = rules.faults?.[route.endpoint];
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
    const replayKey = entry.idempotencyKey ? `${url.pathname}\n${entry.idempotencyKey}` : undefined;
    const replay = replayKey ? replays.get(replayKey) : undefined;
    if (replay) return send(replay, { 'idempotent-replayed': 'true' });
    const answer = handlers[route.endpoint](
      body as Record<string, unknown>,
      url.pathname.match(route.pattern)!,
      entry.query,
      route.endpoint,
    );
    if (replayKey && answer.status < 300) replays.set(replayKey, answer);
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
      rules = next;
      faultsUsed.clear();
      applyKillSwitch(next.killSwitch);
    },
    requestsTo: (endpoint) => state.requests.filter((r) => r.endpoint === endpoint),
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function memoryContext(events: readonly StoredMemoryEvent[], query: Record<string, string>): Record<string, unknown> {
  const windowMs = Number(query.window_hours ?? 24) * 3_600_000;
  const since = Date.now() - windowMs;
  const matching = events.filter(
    (e) =>
      (!query.tool || e.tool === query.tool) &&
      (!query.domain || e.domain === query.domain) &&
      (!query.actor || e.actor === query.actor) &&
      Date.parse(e.timestamp) >= since,
  );
  const total = matching.length;
  const rate = (status: string) => (total ? matching.filter((e) => e.status === status).length / total : 0);
  const risks = matching
    .map((e) => (e.decision as { risk?: unknown; risk_score?: unknown } | undefined) ?? {})
    .map((d) => (typeof d.risk === 'number' ? d.risk : d.risk_score))
    .filter((r): r is number => typeof r === 'number');
  return {
    total_events: total,
    blocked_rate: rate('blocked'),
    approval_rate: rate('approval_required'),
    tool_error_rate: rate('tool_error'),
    avg_risk_score: risks.length ? risks.reduce((a, b) => a + b, 0) / risks.length : null,
    top_tools: top(matching.map((e) => e.tool)).map(([tool, count]) => ({ tool, count })),
    top_block_reasons: top(
      matching
        .filter((e) => e.status === 'blocked')
        .map((e) => str((e.decision as { reason?: unknown } | undefined)?.reason) ?? 'unknown'),
    ).map(([reason, count]) => ({ reason, count })),
    recent_events: matching.slice(-10).reverse(),
  };
}

function top(values: string[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, 5);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function ok(body: unknown): Answer {
  return { status: 200, body };
}

function fail(status: number, detail: string, code: string): Answer {
  return { status, body: { detail, code } };
}

function invalid(field: string, msg: string): Answer {
  return { status: 422, body: { detail: [{ loc: ['body', field], msg, type: 'value_error' }] } };
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
