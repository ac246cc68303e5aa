import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import {
  BighubApiError,
  type BighubApiErrorInit,
  BighubAuthError,
  BighubConfigError,
  BighubConflictError,
  BighubError,
  BighubNetworkError,
  BighubRateLimitError,
  BighubRedirectError,
  BighubTimeoutError,
  BighubValidationError,
} from './errors.js';
import { backoffDelayMs, isRetryableError, parseRetryAfter, type RetryOptions } from './retry.js';
import type { RequestOptions } from './types.js';

/** Query parameters; `undefined` values are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** One logical API call. */
export interface Call {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  query?: Query;
  body?: unknown;
  /** A POST that changes nothing (a dry run, a validation): it gets no `Idempotency-Key`. */
  readOnly?: boolean;
  /** Sent without credentials and never refreshed on 401 (signup, login, refresh). */
  anonymous?: boolean;
  /** A 409 is final, never retried (optimistic locking with `ifMatchVersion`). */
  conflictIsFinal?: boolean;
}

/** Everything the transport needs besides the calls. */
export interface TransportOptions {
  baseUrl: string;
  headers: Record<string, string>;
  timeoutMs: number;
  retry: RetryOptions;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => number;
  fetch: typeof fetch;
}

/** The credentials a client sends; the auth namespace updates them after login, refresh and logout. */
export interface Credentials {
  apiKey?: string;
  bearerToken?: string;
  refreshToken?: string;
}

/**
 * Sends calls with per-attempt timeouts, retries with backoff, one `Idempotency-Key` per mutating call, typed
 * errors, and no redirects. With bearer auth and a refresh token, a 401 refreshes the token once and repeats the call.
 */
export class Transport {
  /** Set by the client: refreshes the bearer token (one refresh shared by concurrent 401s). */
  refresh: (() => Promise<void>) | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(
    readonly options: TransportOptions,
    readonly credentials: Credentials,
  ) {}

  // A small loop rather than cockatiel's retry: it must honour Retry-After and take an injectable sleep.
  async send<T>(call: Call, options: RequestOptions = {}): Promise<T> {
    const retries = options.retries ?? this.options.retry.retries ?? 2;
    const mutating = call.method !== 'GET' && !call.readOnly;
    const idempotencyKey = mutating ? (options.idempotencyKey ?? randomUUID()) : undefined;
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      const bearer = this.credentials.bearerToken;
      try {
        return (await this.attempt(call, options, idempotencyKey)) as T;
      } catch (err) {
        if (!refreshed && this.canRefresh(call, err)) {
          refreshed = true;
          await this.refreshOnce(bearer);
          attempt--; // the repeat after a refresh is not a retry
          continue;
        }
        if (call.conflictIsFinal && err instanceof BighubConflictError) throw err;
        if (attempt >= retries || !isRetryableError(err) || options.signal?.aborted) throw err;
        const retryAfter = err instanceof BighubRateLimitError ? err.retryAfterMs : undefined;
        if (retryAfter !== undefined && retryAfter > (this.options.retry.maxRetryAfterMs ?? 30_000)) throw err;
        await this.options.sleep(retryAfter ?? backoffDelayMs(attempt + 1, this.options.retry, this.options.random));
      }
    }
  }

  private canRefresh(call: Call, err: unknown): boolean {
    const c = this.credentials;
    return (
      err instanceof BighubAuthError &&
      err.status === 401 &&
      !call.anonymous &&
      !c.apiKey &&
      c.bearerToken !== undefined &&
      c.refreshToken !== undefined &&
      this.refresh !== undefined
    );
  }

  /** Refreshes unless another call already replaced the token that failed. */
  private async refreshOnce(failedToken: string | undefined): Promise<void> {
    if (this.credentials.bearerToken !== failedToken) return;
    this.refreshing ??= this.refresh!().finally(() => {
      this.refreshing = undefined;
    });
    await this.refreshing;
  }

  private headersFor(call: Call, idempotencyKey: string | undefined): Record<string, string> {
    const headers: Record<string, string> = { ...this.options.headers };
    const c = this.credentials;
    if (!call.anonymous) {
      if (c.apiKey) headers['x-api-key'] = c.apiKey;
      else if (c.bearerToken) headers.authorization = `Bearer ${c.bearerToken}`;
    }
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    return headers;
  }

  private async attempt(call: Call, options: RequestOptions, idempotencyKey: string | undefined): Promise<unknown> {
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    const url = this.options.baseUrl + call.path + queryString(call.query);
    let response: Response;
    let text: string;
    try {
      response = await this.options.fetch(url, {
        method: call.method,
        headers: this.headersFor(call, idempotencyKey),
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
    throw toApiError(call, response, body, this.options.now());
  }
}

/** Checks and normalises a base URL: http(s) only, plain http only to a loopback host. */
export function checkBaseUrl(raw: string): string {
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

/** `/a/{id}` with the id percent-encoded, so an id can never change the path. */
export function path(strings: TemplateStringsArray, ...ids: (string | number)[]): string {
  return strings.reduce((out, s, i) => out + s + (i < ids.length ? encodeURIComponent(String(ids[i])) : ''), '');
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
  if (status === 409) {
    return new BighubConflictError(message, {
      ...init,
      currentVersion: numberOr(fields.current_version),
      expectedVersion: numberOr(fields.expected_version),
    });
  }
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

function numberOr(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function causeText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return err.message + cause;
}
