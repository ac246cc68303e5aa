import { type ApprovalRecord, errorText, type GatedToolRunner } from '@tollgate/core';
import pRetry, { AbortError } from 'p-retry';
import {
  type ApprovalEvent,
  type ApprovalEventOptions,
  type ApprovalEventType,
  approvalEvent,
  eventTypeOf,
} from './events.js';
import { secretKey, signWebhook } from './signature.js';

/** Where notifications go. */
export interface WebhookEndpoint {
  /** An `http:` or `https:` URL; redirects are not followed. */
  url: string;
  /** `whsec_…` (see `generateWebhookSecret`), shared with the receiver. */
  secret: string;
  /** The event types this endpoint gets (default: all). */
  events?: readonly ApprovalEventType[];
}

/** How one delivery ended, for `onDelivery`. */
export interface DeliveryReport {
  endpoint: string;
  eventId: string;
  type: ApprovalEventType;
  ok: boolean;
  /** Attempts made (1 when the first one succeeded). */
  attempts: number;
  /** The last HTTP status, when there was an answer. */
  status?: number;
  /** Why it failed, for a failed delivery. */
  error?: string;
}

/** Options for {@link WebhookNotifier}. */
export interface WebhookNotifierOptions extends Omit<ApprovalEventOptions, 'now'> {
  /** Where to send. */
  endpoints: readonly WebhookEndpoint[];
  /** Retries after the first attempt (default 5). Retried: network errors, timeouts, 408, 425, 429 and 5xx. */
  retries?: number;
  /** First retry delay (ms, default 1000); each next one doubles, with jitter, up to `maxDelayMs`. */
  minDelayMs?: number;
  /** Longest retry delay (ms, default 60,000). */
  maxDelayMs?: number;
  /** How long one attempt may take (ms, default 10,000). */
  timeoutMs?: number;
  /** Told how every delivery ended, success or final failure; its own errors are ignored. */
  onDelivery?: (report: DeliveryReport) => void;
  /** The fetch to use (default the global one). */
  fetch?: typeof fetch;
  /** Time source (ms since the epoch; default `Date.now`). */
  now?: () => number;
}

/** Counts since the notifier was created. */
export interface NotifierStats {
  delivered: number;
  failed: number;
  /** Attempts that failed and were tried again. */
  retried: number;
  /** Deliveries in flight. */
  inFlight: number;
}

class HttpStatusError extends Error {
  constructor(readonly status: number) {
    super(`the endpoint answered HTTP ${status}`);
  }
}

const RETRIED = new Set([408, 425, 429]);
const SEEN_LIMIT = 10_000;

/**
 * Sends signed approval events to webhook endpoints (Standard Webhooks headers: `webhook-id`,
 * `webhook-timestamp`, `webhook-signature`). Each delivery is signed afresh on every attempt and retried with
 * exponential backoff (p-retry); an event id already sent by this notifier is not sent again, and ids are stable
 * per approval and event, so receivers drop duplicates from retries or other processes by `webhook-id`
 * (delivery is at least once). Sending never blocks or fails the caller: outcomes go to `onDelivery` and
 * {@link stats}.
 */
export class WebhookNotifier {
  private readonly endpoints: readonly WebhookEndpoint[];
  private readonly options: WebhookNotifierOptions;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private readonly seen = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly counts = { delivered: 0, failed: 0, retried: 0 };

  /** @throws {TypeError} for an endpoint without an http(s) URL or with a malformed secret */
  constructor(options: WebhookNotifierOptions) {
    for (const e of options.endpoints) {
      const url = URL.canParse(e.url) ? new URL(e.url) : undefined;
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
        throw new TypeError(`webhook endpoint ${JSON.stringify(e.url)} is not an http(s) URL`);
      }
      secretKey(e.secret);
    }
    this.endpoints = options.endpoints;
    this.options = options;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
  }

  /** Sends the event for this record's state (`created`, `updated`, `decided`, `expired`; `consumed` as decided). */
  approval(record: ApprovalRecord): void {
    const type = eventTypeOf(record);
    if (type) this.send(approvalEvent(type, record, { ...this.options, now: this.now() }));
  }

  /** Queues an event to every endpoint that takes its type, once per event id. */
  send(event: ApprovalEvent): void {
    if (this.seen.has(event.id)) return;
    this.seen.add(event.id);
    if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.values().next().value as string);
    const body = JSON.stringify(event);
    for (const endpoint of this.endpoints) {
      if (endpoint.events && !endpoint.events.includes(event.type)) continue;
      const p = this.deliver(endpoint, event, body).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
  }

  /**
   * Sends the runner's approval events as they happen (created, one of several approvals, decided), and an
   * `expired` event when an approval created here reaches its expiry undecided.
   * @returns a function that stops listening
   */
  attach(runner: GatedToolRunner): () => void {
    return runner.onDecision((event) => {
      if (event.type !== 'approval') return;
      this.approval(event.approval);
      if (event.approval.status === 'pending' && !event.approval.approvals?.length) {
        this.watchExpiry(event.approval.id, event.approval.expiresAt, (id) => runner.getApproval(id));
      }
    });
  }

  /** Checks `id` at `expiresAt` and sends `approval.expired` when nobody decided it. */
  watchExpiry(id: string, expiresAt: number, read: (id: string) => Promise<ApprovalRecord | undefined>): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        read(id).then(
          (record) => {
            if (record?.status === 'expired') this.approval(record);
          },
          () => {},
        );
      },
      Math.max(0, expiresAt - this.now()) + 50,
    );
    timer.unref();
    this.timers.add(timer);
  }

  /** Resolves once every delivery queued so far ended (delivered or given up). */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Stops expiry checks and waits for deliveries in flight. */
  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.flush();
  }

  stats(): NotifierStats {
    return { ...this.counts, inFlight: this.inFlight.size };
  }

  private async deliver(endpoint: WebhookEndpoint, event: ApprovalEvent, body: string): Promise<void> {
    let attempts = 0;
    let status: number | undefined;
    const report = (ok: boolean, error?: string) => {
      ok ? this.counts.delivered++ : this.counts.failed++;
      const r: DeliveryReport = { endpoint: endpoint.url, eventId: event.id, type: event.type, ok, attempts };
      if (status !== undefined) r.status = status;
      if (error !== undefined) r.error = error;
      try {
        this.options.onDelivery?.(r);
      } catch {
        // The callback's failure is its own.
      }
    };
    try {
      await pRetry(
        async () => {
          attempts++;
          const headers = signWebhook(endpoint.secret, event.id, body, Math.floor(this.now() / 1000));
          const res = await this.fetch(endpoint.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'user-agent': 'tollgate-webhooks', ...headers },
            body,
            redirect: 'manual',
            signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
          });
          status = res.status;
          await res.body?.cancel().catch(() => {});
          if (res.status >= 200 && res.status < 300) return;
          const error = new HttpStatusError(res.status);
          if (res.status >= 500 || RETRIED.has(res.status)) throw error;
          throw new AbortError(error);
        },
        {
          retries: this.options.retries ?? 5,
          minTimeout: this.options.minDelayMs ?? 1000,
          maxTimeout: this.options.maxDelayMs ?? 60_000,
          randomize: true,
          unref: true,
          onFailedAttempt: ({ retriesLeft }) => {
            if (retriesLeft > 0) this.counts.retried++;
          },
        },
      );
      report(true);
    } catch (err) {
      report(false, errorText(err));
    }
  }
}
