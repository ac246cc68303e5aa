import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import {
  BighubApiError,
  type BighubApiErrorInit,
  BighubAuthError,
  BighubConfigError,
  BighubError,
  BighubNetworkError,
  BighubRateLimitError,
  BighubRedirectError,
  BighubTimeoutError,
  BighubValidationError,
} from './errors.js';
import { backoffDelayMs, isRetryableError, parseRetryAfter, type RetryOptions } from './retry.js';
import type {
  BighubApproval,
  BighubDecision,
  EvaluateActionRequest,
  KillSwitchStatus,
  MemoryContext,
  MemoryContextQuery,
  MemoryIngestRequest,
  OutcomeReport,
  RequestOptions,
  ResolveApprovalRequest,
  SubmitActionRequest,
} from './types.js';

/** Options for {@link BighubClient}. */
export interface BighubClientOptions {
  /** API root (default `https://api.bighub.io`); `http:` is accepted only for loopback hosts. */
  baseUrl?: string;
  /** Sent as `X-API-Key`; preferred when both credentials are given (as the Python SDK). */
  apiKey?: string;
  /** Sent as `Authorization: Bearer …`. */
  bearerToken?: string;
  /** Per-attempt timeout in ms, covering the response body too (default 15 000). */
  timeoutMs?: number;
  /** Backoff between attempts. */
  retry?: RetryOptions;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** Waits between attempts (default `setTimeout`); inject one in tests to record delays. */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1) (default `Math.random`). */
  random?: () => number;
  /** Time source for `Retry-After` HTTP dates, ms since the epoch (default `Date.now`). */
  now?: () => number;
  /** The fetch implementation (default the global `fetch`). */
  fetch?: typeof fetch;
}

/** The API root when none is given. */
export const DEFAULT_BIGHUB_URL = 'https://api.bighub.io';

type Query = Record<string, string | number | boolean | undefined>;

interface Call {
  method: 'GET' | 'POST';
  path: string;
  query?: Query;
  body?: unknown;
}

/**
 * A typed client for BIGHUB's HTTP API on Node's global `fetch`. Each attempt is bounded by `timeoutMs`;
 * failed attempts with a retryable status (408, 409, 425, 429, 5xx), a timeout or a network error are retried with
 * exponential backoff and jitter, honouring `Retry-After`. Every POST carries one `Idempotency-Key` for the
 * whole logical call, retries included, so BIGHUB records an action at most once. Redirects are never followed.
 *
 * Methods throw {@link BighubError} subclasses: `BighubRedirectError` (3xx), `BighubAuthError` (401/403), `BighubRateLimitError` (429),
 * `BighubValidationError` (422), `BighubApiError` (other statuses), `BighubTimeoutError`, `BighubNetworkError`.
 */
export class BighubClient {
  /** The API root, without a trailing slash. */
  readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly retry: RetryOptions;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly fetchImpl: typeof fetch;

  /** @throws BighubConfigError for an invalid URL, a non-http(s) scheme, or plain http to a non-loopback host */
  constructor(options: BighubClientOptions = {}) {
    this.baseUrl = checkBaseUrl(options.baseUrl ?? DEFAULT_BIGHUB_URL);
    this.headers = { accept: 'application/json', ...options.headers };
    if (options.apiKey) this.headers['x-api-key'] = options.apiKey;
    else if (options.bearerToken) this.headers.authorization = `Bearer ${options.bearerToken}`;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.retry = options.retry ?? {};
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** `POST /actions/submit`: validates and records an action (legacy decision shape). */
  submit(action: SubmitActionRequest, options?: RequestOptions): Promise<BighubDecision> {
    return this.send({ method: 'POST', path: '/actions/submit', body: action }, options);
  }

  /** `POST /actions/submit/v2`. */
  submitV2(action: SubmitActionRequest, options?: RequestOptions): Promise<BighubDecision> {
    return this.send({ method: 'POST', path: '/actions/submit/v2', body: action }, options);
  }

  /** `POST /actions/submit/dry-run`: a submit that records nothing. */
  dryRun(action: SubmitActionRequest, options?: RequestOptions): Promise<BighubDecision> {
    return this.send({ method: 'POST', path: '/actions/submit/dry-run', body: action }, options);
  }

  /** `POST /actions/evaluate`: a decision with `recommendation` and, on newer servers, Better-Decision fields. */
  evaluate(action: EvaluateActionRequest, options?: RequestOptions): Promise<BighubDecision> {
    return this.send({ method: 'POST', path: '/actions/evaluate', body: action }, options);
  }

  /** `GET /approvals?status=…&limit=…` (status default `pending`). Accepts a bare array or `{approvals: […]}`. */
  async listApprovals(
    query: { status?: string; limit?: number } = {},
    options?: RequestOptions,
  ): Promise<BighubApproval[]> {
    const body = await this.send<BighubApproval[] | { approvals?: BighubApproval[] }>(
      { method: 'GET', path: '/approvals', query: { status: query.status ?? 'pending', limit: query.limit } },
      options,
    );
    return Array.isArray(body) ? body : (body?.approvals ?? []);
  }

  /** `POST /approvals/{request_id}/resolve`. */
  resolveApproval(
    requestId: string,
    resolution: ResolveApprovalRequest,
    options?: RequestOptions,
  ): Promise<Record<string, unknown>> {
    const path = `/approvals/${encodeURIComponent(requestId)}/resolve`;
    return this.send({ method: 'POST', path, body: resolution }, options);
  }

  /** `POST /actions/memory/ingest`: stores governed execution events (deduplicated by `event_id`). */
  ingestMemory(request: MemoryIngestRequest, options?: RequestOptions): Promise<Record<string, unknown>> {
    return this.send({ method: 'POST', path: '/actions/memory/ingest', body: request }, options);
  }

  /** `GET /actions/memory/context`: aggregates over ingested events. */
  memoryContext(query: MemoryContextQuery = {}, options?: RequestOptions): Promise<MemoryContext> {
    return this.send({ method: 'GET', path: '/actions/memory/context', query: { ...query } }, options);
  }

  /** `POST /outcomes/report`: what happened after a decision. */
  reportOutcome(report: OutcomeReport, options?: RequestOptions): Promise<Record<string, unknown>> {
    return this.send({ method: 'POST', path: '/outcomes/report', body: report }, options);
  }

  /** `GET /kill-switch/status`. */
  killSwitchStatus(options?: RequestOptions): Promise<KillSwitchStatus> {
    return this.send({ method: 'GET', path: '/kill-switch/status' }, options);
  }

  // A small loop rather than cockatiel's retry: it must honour Retry-After and take an injectable sleep.
  private async send<T>(call: Call, options: RequestOptions = {}): Promise<T> {
    const retries = options.retries ?? this.retry.retries ?? 2;
    const idempotencyKey = call.method === 'POST' ? (options.idempotencyKey ?? randomUUID()) : undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.attempt(call, options, idempotencyKey)) as T;
      } catch (err) {
        if (attempt >= retries || !isRetryableError(err) || options.signal?.aborted) throw err;
        const retryAfter = err instanceof BighubRateLimitError ? err.retryAfterMs : undefined;
        if (retryAfter !== undefined && retryAfter > (this.retry.maxRetryAfterMs ?? 30_000)) throw err;
        await this.sleep(retryAfter ?? backoffDelayMs(attempt + 1, this.retry, this.random));
      }
    }
  }

  private async attempt(call: Call, options: RequestOptions, idempotencyKey: string | undefined): Promise<unknown> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    const headers: Record<string, string> = { ...this.headers };
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    const url = this.baseUrl + call.path + queryString(call.query);
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(url, {
        method: call.method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal,
        // Never follow: the target would get the API key and could answer in BIGHUB's name.
        redirect: 'manual',
      });
      text = await response.text();
    } catch (err) {
      if (timeout.aborted) {
        throw new BighubTimeoutError(
          `BIGHUB did not answer ${call.method} ${call.path} within ${timeoutMs} ms`,
          timeoutMs,
        );
      }
      if (options.signal?.aborted) throw new BighubError(`${call.method} ${call.path} was aborted`, { cause: err });
      throw new BighubNetworkError(`Could not reach BIGHUB for ${call.method} ${call.path}: ${causeText(err)}`, {
        cause: err,
      });
    }
    const body = parseBody(text);
    if (response.ok) return body;
    throw toApiError(call, response, body, this.now());
  }
}

function checkBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BighubConfigError(`BIGHUB baseUrl "${raw}" is not a valid URL`);
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw new BighubConfigError(
      `BIGHUB baseUrl "${raw}" uses plain http to a non-loopback host; use https (http is allowed only for 127.0.0.0/8, ::1 and localhost)`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BighubConfigError(`BIGHUB baseUrl "${raw}" must use https`);
  }
  return url.href.replace(/\/+$/, '');
}

/**
 * 127.0.0.0/8, ::1 or `localhost`: traffic that never leaves the machine. Subdomains of localhost do not count:
 * a resolver may look them up in DNS (RFC 6761 only asks it not to), which would send the API key over plain http.
 */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '0:0:0:0:0:0:0:1';
}

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function toApiError(call: Call, response: Response, body: unknown, now: number): BighubApiError {
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const nested =
    typeof fields.error === 'object' && fields.error !== null ? (fields.error as Record<string, unknown>) : {};
  const init: BighubApiErrorInit = {
    status: response.status,
    requestId: stringOr(fields.request_id) ?? response.headers.get('x-request-id') ?? undefined,
    code: stringOr(fields.code) ?? stringOr(nested.code),
    body,
  };
  const detail = stringOr(fields.message) ?? stringOr(nested.message) ?? stringOr(fields.detail) ?? stringOr(body);
  const message = `BIGHUB answered ${response.status} to ${call.method} ${call.path}${detail ? `: ${detail}` : ''}`;
  const status = response.status;
  // `opaqueredirect` (status 0) is what a spec-following fetch gives for a manual redirect.
  if ((status >= 300 && status < 400) || response.type === 'opaqueredirect') {
    const location = response.headers.get('location') ?? undefined;
    return new BighubRedirectError(
      `BIGHUB answered ${call.method} ${call.path} with a redirect${location ? ` to ${location}` : ''}; redirects are never followed, so the request failed (point baseUrl at the API itself)`,
      { ...init, location },
    );
  }
  if (status === 401 || status === 403) return new BighubAuthError(message, init);
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now);
    return new BighubRateLimitError(message, { ...init, retryAfterMs });
  }
  if (status === 422) {
    return new BighubValidationError(message, { ...init, details: fields.detail ?? fields.details ?? fields.errors });
  }
  return new BighubApiError(message, init);
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function causeText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return err.message + cause;
}
