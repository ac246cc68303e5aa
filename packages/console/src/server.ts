import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuditGate } from '@tollgate/audit';
import {
  type ApprovalRecord,
  approvalDigest,
  callerOf,
  errorText,
  type GatedToolRunner,
  type GateResult,
  newId,
  parseArguments,
} from '@tollgate/core';
import type { WebhookNotifier } from '@tollgate/webhooks';
import { serialize as cookie, parse as parseCookies } from 'cookie';
import { CSS, JS } from './assets.js';
import * as pages from './pages.js';
import { sameSecret } from './passwords.js';
import { type ConsoleUser, type Session, type SessionOptions, Sessions } from './sessions.js';
import { AuditTrail } from './trail.js';
import { ApprovalWatcher } from './watch.js';

/** Options for {@link startConsole}. */
export interface ConsoleOptions {
  /** The runner whose approval store, tools and gates the console works with (memory in process, or Redis). */
  runner: GatedToolRunner;
  /** Who may sign in; every decision is recorded under the signed-in name. */
  users: readonly ConsoleUser[];
  /** Where every decision is recorded (an `approval` audit record); give the runner the same gate to record its calls. */
  audit: AuditGate;
  /** Audit files to show (history, a call's trail, verify status): the agents' files and the console's own. */
  auditFiles?: readonly string[];
  /** Interface to listen on (default `127.0.0.1`: this machine only). */
  host?: string;
  /** Port (default 0: any free port; the URL says which). */
  port?: number;
  /** The URL reviewers reach the console at, when it is behind a proxy (its host is accepted; links use it). */
  publicUrl?: string;
  /** How often the store is polled for changes made by other processes (ms, default 1000). */
  pollMs?: number;
  /** Sends signed events for every approval created, updated, decided and expired that the console sees. */
  notifier?: WebhookNotifier;
  /** Session lifetimes. */
  sessions?: SessionOptions;
  /** Mark cookies `Secure` (default: when `publicUrl` is https). */
  secureCookies?: boolean;
}

/** A running console. */
export interface ReviewConsole {
  /** Where it listens, e.g. `http://127.0.0.1:8787`. */
  readonly url: string;
  /** Stops polling, closes live connections and the server. */
  close(): Promise<void>;
}

const SESSION_COOKIE = 'tg_session';
const LOGIN_COOKIE = 'tg_login';
const MAX_BODY = 64 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Starts the review console: an HTTP server (node:http, no framework) over the runner's approval store and the
 * audit trail. Every page needs a signed-in session (HttpOnly, SameSite=Strict cookie); every POST needs the
 * session's CSRF token and a same-origin request; requests for another Host are refused (DNS rebinding); every
 * value from the model or the store is escaped. Decisions go through `runner.approve`/`deny` (so quorums, expiry
 * and single use are core's) and are recorded with `audit.recordApproval`.
 * @throws {TypeError} for no users or a malformed user; rejects when the port cannot be bound
 */
export async function startConsole(options: ConsoleOptions): Promise<ReviewConsole> {
  const sessions = new Sessions(options.users, options.sessions);
  const trail = new AuditTrail(options.auditFiles ?? []);
  const watcher = new ApprovalWatcher(options.runner, options.pollMs ?? 1000);
  const streams = new Set<ServerResponse>();
  const secure = options.secureCookies ?? options.publicUrl?.startsWith('https:') ?? false;
  const app = new ConsoleApp(options, sessions, trail, watcher, secure);
  watcher.subscribe((changes) => {
    for (const res of streams) res.write(`event: change\ndata: ${watcher.version}\n\n`);
    for (const { record } of changes) options.notifier?.approval(record);
  });
  const server: Server = createServer((req, res) => {
    app.handle(req, res, streams).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (!res.headersSent) {
        res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
      }
      res.end(err instanceof HttpError ? err.message : `The console failed: ${errorText(err)}`);
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, host, () => done());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  app.allowHosts(url, options.publicUrl);
  watcher.start();
  const heartbeat = setInterval(() => {
    for (const res of streams) res.write(': keep-alive\n\n');
  }, 20_000);
  heartbeat.unref();
  return {
    url,
    async close() {
      watcher.stop();
      clearInterval(heartbeat);
      for (const res of streams) res.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  // Not no-referrer: with it, Chromium sends `Origin: null` on form posts and withholds SameSite=Strict cookies.
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

class ConsoleApp {
  private hosts = new Set<string>();
  private origins = new Set<string>();
  /** What the console ran itself (changed calls), by approval id, to show on the approval's page. */
  private readonly results = new Map<string, { lead: string; result: GateResult }>();

  constructor(
    private readonly options: ConsoleOptions,
    private readonly sessions: Sessions,
    private readonly trail: AuditTrail,
    private readonly watcher: ApprovalWatcher,
    private readonly secure: boolean,
  ) {}

  allowHosts(url: string, publicUrl: string | undefined): void {
    for (const u of [url, publicUrl]) {
      if (!u) continue;
      const parsed = new URL(u);
      this.hosts.add(parsed.host);
      this.origins.add(parsed.origin);
      if (parsed.hostname === '127.0.0.1') {
        this.hosts.add(`localhost:${parsed.port}`);
        this.origins.add(`http://localhost:${parsed.port}`);
      }
    }
  }

  async handle(req: IncomingMessage, res: ServerResponse, streams: Set<ServerResponse>): Promise<void> {
    // A page on another site that resolves its own name to 127.0.0.1 (DNS rebinding) sends its own Host.
    if (!this.hosts.has(req.headers.host ?? ''))
      throw new HttpError(421, 'This console does not answer for that host.');
    const url = new URL(req.url ?? '/', 'http://console');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (method === 'GET' && path === '/assets/console.css')
      return this.send(res, 200, CSS, 'text/css; charset=utf-8', true);
    if (method === 'GET' && path === '/assets/console.js')
      return this.send(res, 200, JS, 'text/javascript; charset=utf-8', true);
    if (method === 'GET' && path === '/favicon.ico') return this.send(res, 204, '', 'image/x-icon', true);
    const cookies = parseCookies(req.headers.cookie ?? '');
    if (path === '/login') return method === 'POST' ? this.login(req, res, cookies) : this.loginForm(res, cookies);
    const session = this.sessions.get(cookies[SESSION_COOKIE]);
    if (!session) {
      if (method !== 'GET') throw new HttpError(403, 'Sign in first: this request changes state and has no session.');
      return this.redirect(res, '/login');
    }
    if (method === 'POST') {
      const form = await this.form(req, session);
      const m = /^\/approvals\/([^/]+)\/(decide|change|run)$/.exec(path);
      if (path === '/logout') {
        this.sessions.end(session.id);
        res.setHeader('set-cookie', this.cookie(SESSION_COOKIE, '', 0));
        return this.redirect(res, '/login');
      }
      if (m) {
        const id = decodeURIComponent(m[1]!);
        if (m[2] === 'decide') return this.decide(res, session, id, form);
        if (m[2] === 'change') return this.change(res, session, id, form);
        return this.run(res, session, id);
      }
      throw new HttpError(404, 'No such action.');
    }
    if (method !== 'GET') throw new HttpError(405, 'Method not allowed.');
    if (path === '/') return this.pending(res, session, false);
    if (path === '/fragments/pending') return this.pending(res, session, true);
    if (path === '/events') return this.events(req, res, streams);
    if (path === '/history') {
      const [decisions, files] = await Promise.all([this.trail.decisions(), this.trail.files()]);
      return this.page(res, pages.historyPage(session, decisions, files));
    }
    if (path === '/calls') {
      const q = (url.searchParams.get('id') ?? '').trim().slice(0, 200);
      const [found, files] = await Promise.all([q ? this.trail.find(q) : [], this.trail.files()]);
      const approval = q.startsWith('apr_')
        ? await this.options.runner.getApproval(q).catch(() => undefined)
        : undefined;
      return this.page(res, pages.callsPage(session, q, found, files, approval));
    }
    const a = /^\/approvals\/([^/]+)$/.exec(path);
    if (a) return this.approval(res, session, decodeURIComponent(a[1]!));
    return this.page(res, pages.notFoundPage(session, 'There is no page at this address.'), 404);
  }

  private loginForm(
    res: ServerResponse,
    cookies: Record<string, string | undefined>,
    error?: string,
    status = 200,
  ): void {
    // The sign-in form has no session yet: its CSRF token is a cookie that must match the form field. An existing
    // one is kept, so a second tab (or a stray request) does not invalidate the form in the first.
    const token = /^[\w-]{43}$/.test(cookies[LOGIN_COOKIE] ?? '') ? cookies[LOGIN_COOKIE]! : Sessions.token();
    res.setHeader('set-cookie', this.cookie(LOGIN_COOKIE, token, 600));
    this.page(res, pages.loginPage(token, error), status);
  }

  private async login(
    req: IncomingMessage,
    res: ServerResponse,
    cookies: Record<string, string | undefined>,
  ): Promise<void> {
    const form = await this.body(req);
    this.sameOrigin(req);
    const expected = cookies[LOGIN_COOKIE];
    if (!expected || !sameSecret(form.get('csrf') ?? '', expected)) {
      return this.loginForm(res, {}, 'The sign-in form expired or did not come from this console; try again.', 403);
    }
    const outcome = await this.sessions.signIn(form.get('user') ?? '', form.get('secret') ?? '');
    if (outcome === 'locked')
      return this.loginForm(res, cookies, 'Too many failed attempts for this user; wait 15 minutes.', 429);
    if (outcome === 'invalid') return this.loginForm(res, cookies, 'Wrong user name, password or token.', 401);
    res.setHeader('set-cookie', [
      this.cookie(LOGIN_COOKIE, '', 0),
      this.cookie(SESSION_COOKIE, outcome.id, this.sessions.cookieMaxAgeSec),
    ]);
    this.redirect(res, '/');
  }

  private async pending(res: ServerResponse, session: Session, fragment: boolean): Promise<void> {
    const now = Date.now();
    let records: ApprovalRecord[] = [];
    let error: string | undefined;
    try {
      records = (await this.options.runner.pendingApprovals(500)).reverse();
    } catch (err) {
      error = errorText(err);
    }
    const list = pages.pendingList(records, now, error);
    if (fragment) return this.send(res, 200, list.value, 'text/html; charset=utf-8');
    this.page(res, pages.pendingPage(session, list));
  }

  private events(req: IncomingMessage, res: ServerResponse, streams: Set<ServerResponse>): void {
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream', connection: 'keep-alive' });
    res.write(`event: hello\ndata: ${this.watcher.version}\n\n`);
    streams.add(res);
    req.on('close', () => streams.delete(res));
  }

  private async approval(
    res: ServerResponse,
    session: Session,
    id: string,
    change?: { text: string; comment: string },
    status = 200,
  ): Promise<void> {
    const record = await this.options.runner.getApproval(id);
    if (!record)
      return this.page(
        res,
        pages.notFoundPage(session, `No approval has id ${id} (it may have expired and been removed).`),
        404,
      );
    const ran = this.results.get(id);
    if (ran && !session.flash) session.flash = describe(ran.result, ran.lead);
    const canRun = record.status === 'approved' && owned(record) && !ran;
    this.page(
      res,
      pages.approvalPage(session, record, Date.now(), {
        canChange: true,
        changeText: change?.text,
        changeComment: change?.comment,
        canRun,
      }),
      status,
    );
  }

  private async decide(res: ServerResponse, session: Session, id: string, form: URLSearchParams): Promise<void> {
    const action = form.get('action');
    if (action !== 'approve' && action !== 'deny') throw new HttpError(400, 'action must be approve or deny.');
    const comment = (form.get('comment') ?? '').trim() || undefined;
    const { runner } = this.options;
    const before = await runner.getApproval(id);
    if (action === 'approve' && before && owned(before) && before.bind?.changedBy === session.user) {
      session.flash = { kind: 'error', text: 'You made these changes, so another reviewer must approve them.' };
      return this.redirect(res, `/approvals/${encodeURIComponent(id)}`);
    }
    const decision = { by: session.user, ...(comment ? { comment } : {}) };
    const answer = action === 'approve' ? await runner.approve(id, decision) : await runner.deny(id, decision);
    if (!answer.ok) {
      session.flash = {
        kind: 'error',
        text: `Not ${action === 'approve' ? 'approved' : 'denied'}: ${answer.message}`,
        detail: answer.reason,
      };
      return this.redirect(res, `/approvals/${encodeURIComponent(id)}`);
    }
    const record = answer.approval;
    const said = action === 'approve' ? 'approved' : 'denied';
    const recorded = await this.record(record, session.user, said, comment);
    this.options.notifier?.approval(record);
    void this.watcher.poll();
    let text =
      record.status === 'pending'
        ? `Your approval is recorded: ${record.approvals?.length ?? 0} of ${record.quorum?.required} so far.`
        : `${said === 'approved' ? 'Approved' : 'Denied'}. The agent that made the call resumes it; nothing ran yet.`;
    if (record.status === 'approved' && owned(record)) {
      const ran = await runner.resume(id, { expect: { bind: record.bind } });
      const lead = 'Approved. The console made this call, so it ran it';
      this.results.set(id, { lead, result: ran });
      session.flash = describe(ran, lead);
    } else {
      if (answer.warnings?.length) text += ` (${answer.warnings.join('; ')})`;
      session.flash = { kind: 'ok', text };
    }
    if (recorded)
      session.flash = { kind: 'error', text: `${session.flash.text} But the audit record failed: ${recorded}` };
    this.redirect(res, `/approvals/${encodeURIComponent(id)}`);
  }

  private async change(res: ServerResponse, session: Session, id: string, form: URLSearchParams): Promise<void> {
    const { runner } = this.options;
    const text = form.get('args') ?? '';
    const comment = (form.get('comment') ?? '').trim();
    const record = await runner.getApproval(id);
    if (!record) return this.approval(res, session, id);
    // Nothing is lost on a mistake: the page comes back with the text as typed.
    const back = (message: string) => {
      session.flash = { kind: 'error', text: message };
      return this.approval(res, session, id, { text, comment }, 400);
    };
    const parsed = parseArguments(text);
    if (!parsed.ok) return back(`The changed arguments are not a JSON object: ${parsed.message}`);
    const caller = callerOf(record.context);
    const same =
      approvalDigest({ tool: record.tool, callId: record.callId, args: parsed.args, caller, bind: record.bind }) ===
      record.digest;
    if (same) return back('These are the arguments as asked; use Approve instead.');
    const callId = newId('call');
    const context = {
      ...caller,
      traceId: record.context.traceId,
      callId,
      bind: { changedFrom: record.id, changedBy: session.user },
    };
    const dry = await runner.check(record.tool, parsed.args, context);
    if (dry.blockedBy === 'validation' || dry.blockedBy === 'registry')
      return back(`The changed call would be refused: ${dry.message}`);
    const note = `Replaced with changes by call ${callId}${comment ? `: ${comment}` : ''}`;
    const denied = await runner.deny(id, { by: session.user, comment: note });
    if (!denied.ok) return back(`The call cannot be changed now: ${denied.message}`);
    const recorded = await this.record(denied.approval, session.user, 'denied', note);
    this.options.notifier?.approval(denied.approval);
    const result = await runner.call(record.tool, parsed.args, context);
    const lead = `Changed. The original call is denied; the new call ${callId}`;
    this.results.set(id, { lead, result });
    void this.watcher.poll();
    session.flash = describe(result, lead);
    if (recorded) session.flash.text += ` (the audit record failed: ${recorded})`;
    if (result.approval) return this.redirect(res, `/approvals/${encodeURIComponent(result.approval.id)}`);
    this.redirect(res, `/approvals/${encodeURIComponent(id)}`);
  }

  private async run(res: ServerResponse, session: Session, id: string): Promise<void> {
    const record = await this.options.runner.getApproval(id);
    if (!record || !owned(record)) throw new HttpError(400, 'Only a call the console made can be run from here.');
    const ran = await this.options.runner.resume(id, { expect: { bind: record.bind } });
    this.results.set(id, { lead: 'The console ran this call', result: ran });
    session.flash = describe(ran, 'The console ran this call');
    this.redirect(res, `/approvals/${encodeURIComponent(id)}`);
  }

  /** Records the decision in the audit trail; returns the failure's message, if any. */
  private async record(
    record: ApprovalRecord,
    by: string,
    said: 'approved' | 'denied',
    comment: string | undefined,
  ): Promise<string | undefined> {
    try {
      await this.options.audit.recordApproval(record, { by, said, ...(comment ? { comment } : {}) });
      return undefined;
    } catch (err) {
      return errorText(err);
    }
  }

  /** Reads a form post after the session, origin and CSRF token are checked. */
  private async form(req: IncomingMessage, session: Session): Promise<URLSearchParams> {
    const form = await this.body(req);
    this.sameOrigin(req);
    if (!sameSecret(form.get('csrf') ?? '', session.csrf)) {
      throw new HttpError(403, 'Refused: this form has no valid CSRF token. Reload the page and try again.');
    }
    return form;
  }

  private sameOrigin(req: IncomingMessage): void {
    const origin = req.headers.origin;
    if (origin !== undefined && !this.origins.has(origin))
      throw new HttpError(403, 'Refused: a request from another site.');
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none')
      throw new HttpError(403, 'Refused: a request from another site.');
  }

  private async body(req: IncomingMessage): Promise<URLSearchParams> {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (type !== 'application/x-www-form-urlencoded')
      throw new HttpError(415, 'Send an HTML form (application/x-www-form-urlencoded).');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY) throw new HttpError(413, 'The form is too large.');
      chunks.push(chunk);
    }
    return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  }

  private cookie(name: string, value: string, maxAge: number): string {
    return cookie(name, value, { httpOnly: true, sameSite: 'strict', path: '/', maxAge, secure: this.secure });
  }

  private page(res: ServerResponse, body: string, status = 200): void {
    this.send(res, status, body, 'text/html; charset=utf-8');
  }

  private send(res: ServerResponse, status: number, body: string, type: string, cache = false): void {
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      'content-type': type,
      ...(cache ? { 'cache-control': 'max-age=300' } : {}),
    });
    res.end(body);
  }

  private redirect(res: ServerResponse, location: string): void {
    res.writeHead(303, { ...SECURITY_HEADERS, location });
    res.end();
  }
}

/** A call the console made itself ("approve with changes"): the console, not an agent, resumes it. */
function owned(record: ApprovalRecord): boolean {
  return typeof record.bind?.changedFrom === 'string';
}

function describe(result: GateResult, lead: string): NonNullable<Session['flash']> {
  const detail = `${result.status} · ${result.reason}${result.blockedBy ? ` · by ${result.blockedBy}` : ''}: ${result.message}`;
  switch (result.status) {
    case 'executed':
      return { kind: 'ok', text: `${lead}: executed.`, detail };
    case 'approval_required':
      return { kind: 'ok', text: `${lead} waits for approval ${result.approval?.id}, by someone else.`, detail };
    default:
      return { kind: 'error', text: `${lead} was not executed (${result.status}).`, detail };
  }
}
