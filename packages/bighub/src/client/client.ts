import { ActionsApi } from './actions.js';
import { ApiKeysApi } from './api-keys.js';
import { ApprovalsApi } from './approvals.js';
import { AuthApi, type AuthTokens } from './auth.js';
import { EventsApi } from './events.js';
import { KillSwitchApi } from './kill-switch.js';
import { OutcomesApi } from './outcomes.js';
import type { RetryOptions } from './retry.js';
import { RulesApi } from './rules.js';
import { checkBaseUrl, Transport } from './transport.js';
import { WebhooksApi } from './webhooks.js';

/** Options for {@link BighubClient}. */
export interface BighubClientOptions {
  /** API root (default `https://api.bighub.io`); `http:` is accepted only for loopback hosts. */
  baseUrl?: string;
  /** Sent as `X-API-Key`; preferred when both credentials are given (as the Python SDK). */
  apiKey?: string;
  /** Sent as `Authorization: Bearer …` (or log in with `client.auth.login`). */
  bearerToken?: string;
  /** Renews `bearerToken` once when a call answers 401 (`POST /auth/refresh`). */
  refreshToken?: string;
  /** Called with new tokens after signup, login or a refresh (BIGHUB rotates them), and `undefined` after logout. */
  onTokens?: (tokens: AuthTokens | undefined) => void;
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

/**
 * A typed client for BIGHUB's whole HTTP API on Node's global `fetch`, grouped as the Python SDK (seed
 * bighub-sdk-0.2.4): `actions`, `rules`, `killSwitch`, `events`, `approvals`, `apiKeys`, `auth`, `webhooks` and
 * `outcomes`. Request and response bodies keep BIGHUB's snake_case field names; method options are camelCase.
 *
 * Each attempt is bounded by `timeoutMs`; attempts that fail with a retryable status (408, a 409 without an error
 * code, 425, 429, 5xx), a timeout or a network error are retried with exponential backoff and jitter, honouring
 * `Retry-After`. Every mutating call carries one `Idempotency-Key` for the whole logical call, retries included, so
 * BIGHUB applies it at most once. Redirects are never followed. With bearer auth and a refresh token, a 401
 * refreshes the token once and repeats the call.
 *
 * Methods throw {@link BighubError} subclasses: `BighubRedirectError` (3xx), `BighubAuthError` (401/403),
 * `BighubConflictError` (409, e.g. a stale `ifMatchVersion`), `BighubValidationError` (422), `BighubRateLimitError`
 * (429), `BighubApiError` (other statuses), `BighubTimeoutError`, `BighubNetworkError`.
 */
export class BighubClient {
  /** The API root, without a trailing slash. */
  readonly baseUrl: string;
  /** Decisions, their verification and status, statistics, future memory. */
  readonly actions: ActionsApi;
  /** Policies: create, update, pause, JSON Patch with preview and optimistic locking, versions, dry runs. */
  readonly rules: RulesApi;
  /** Stop every action at once. */
  readonly killSwitch: KillSwitchApi;
  /** The control plane's event log. */
  readonly events: EventsApi;
  /** Actions waiting for a human. */
  readonly approvals: ApprovalsApi;
  /** Keys for agents and services. */
  readonly apiKeys: ApiKeysApi;
  /** Sessions for people: signup, login, refresh, logout. */
  readonly auth: AuthApi;
  /** Signed event export, deliveries and replay; `verifySignature` for receivers. */
  readonly webhooks: WebhooksApi;
  /** What happened after a decision. */
  readonly outcomes: OutcomesApi;

  /** @throws BighubConfigError for an invalid URL, a non-http(s) scheme, or plain http to a non-loopback host */
  constructor(options: BighubClientOptions = {}) {
    this.baseUrl = checkBaseUrl(options.baseUrl ?? DEFAULT_BIGHUB_URL);
    const credentials = {
      apiKey: options.apiKey,
      bearerToken: options.bearerToken,
      refreshToken: options.refreshToken,
    };
    const http = new Transport(
      {
        baseUrl: this.baseUrl,
        headers: { accept: 'application/json', ...options.headers },
        timeoutMs: options.timeoutMs ?? 15_000,
        retry: options.retry ?? {},
        sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
        random: options.random ?? Math.random,
        now: options.now ?? Date.now,
        fetch: options.fetch ?? fetch,
      },
      credentials,
    );
    this.actions = new ActionsApi(http);
    this.rules = new RulesApi(http);
    this.killSwitch = new KillSwitchApi(http);
    this.events = new EventsApi(http);
    this.approvals = new ApprovalsApi(http);
    this.apiKeys = new ApiKeysApi(http);
    this.auth = new AuthApi(http, credentials, options.onTokens);
    this.webhooks = new WebhooksApi(http);
    this.outcomes = new OutcomesApi(http);
    http.refresh = async () => {
      await this.auth.refresh();
    };
  }
}
