import { listOf } from './list.js';
import { verifyWebhookSignature } from './signature.js';
import { path, type Transport } from './transport.js';
import type { RequestOptions } from './types.js';

/** Body of `POST /webhooks`. */
export interface WebhookCreate {
  /** Your endpoint, where BIGHUB delivers events. */
  url: string;
  /** A name for humans. */
  label?: string;
  /** The event types to deliver (see `webhooks.listEvents()`); `["*"]` for all. */
  events: string[];
  /** Your own signing secret (`whsec_…`); BIGHUB generates one when absent. */
  secret?: string;
}

/** Body of `PATCH /webhooks/{webhook_id}` (the seed's `WebhookUpdateModel`): only the fields given change. */
export interface WebhookUpdate {
  url?: string;
  label?: string;
  events?: string[];
  /** False stops deliveries without deleting the webhook. */
  is_active?: boolean;
}

/** A webhook as listed (the secret is never listed). */
export interface BighubWebhook {
  webhook_id: string;
  url: string;
  label?: string;
  events: string[];
  is_active: boolean;
  /** ISO 8601. */
  created_at: string;
  /** ISO 8601. */
  updated_at: string;
  [key: string]: unknown;
}

/** A newly created webhook: the only time its signing `secret` is shown. */
export interface CreatedWebhook extends BighubWebhook {
  /** The signing secret for {@link verifyWebhookSignature}. Store it now. */
  secret: string;
}

/** One delivery of one event to one webhook. */
export interface WebhookDelivery {
  /** A number, as the seed's `delivery_id=123`. */
  delivery_id: number;
  webhook_id: string;
  /** The event delivered; also the `webhook-id` header, the same on every attempt. */
  event_id: string;
  event_type: string;
  /** `pending`, `succeeded` or `failed`. */
  status: 'pending' | 'succeeded' | 'failed';
  /** The receiver's HTTP status of the last attempt. */
  status_code?: number;
  /** Attempts so far (a replay adds one). */
  attempts: number;
  /** Why the last attempt failed (connection refused, timeout, non-2xx). */
  error?: string;
  /** ISO 8601. */
  created_at: string;
  /** ISO 8601 of the last attempt. */
  last_attempt_at?: string;
  [key: string]: unknown;
}

/** An event type a webhook can subscribe to, as `GET /webhooks/events` lists it. */
export interface WebhookEventType {
  event_type: string;
  description: string;
  [key: string]: unknown;
}

/** `client.webhooks`: signed event export to your endpoints (compliance, SIEM), with deliveries and replay. */
export class WebhooksApi {
  /** {@link verifyWebhookSignature}, for receivers: needs no credentials and sends nothing. */
  readonly verifySignature = verifyWebhookSignature;

  constructor(private readonly http: Transport) {}

  /** `POST /webhooks`: the answer holds the signing `secret`, shown this once. */
  create(request: WebhookCreate, options?: RequestOptions): Promise<CreatedWebhook> {
    return this.http.send({ method: 'POST', path: '/webhooks', body: request }, options);
  }

  /** `GET /webhooks?include_inactive=…`. Accepts a bare array or `{webhooks: […]}`. */
  async list(query: { includeInactive?: boolean } = {}, options?: RequestOptions): Promise<BighubWebhook[]> {
    const q = { include_inactive: query.includeInactive };
    return listOf(await this.http.send({ method: 'GET', path: '/webhooks', query: q }, options), 'webhooks');
  }

  /** `GET /webhooks/{webhook_id}`. */
  get(webhookId: string, options?: RequestOptions): Promise<BighubWebhook> {
    return this.http.send({ method: 'GET', path: path`/webhooks/${webhookId}` }, options);
  }

  /** `PATCH /webhooks/{webhook_id}`. */
  update(webhookId: string, update: WebhookUpdate, options?: RequestOptions): Promise<BighubWebhook> {
    return this.http.send({ method: 'PATCH', path: path`/webhooks/${webhookId}`, body: update }, options);
  }

  /** `DELETE /webhooks/{webhook_id}`. */
  delete(webhookId: string, options?: RequestOptions): Promise<Record<string, unknown>> {
    return this.http.send({ method: 'DELETE', path: path`/webhooks/${webhookId}` }, options);
  }

  /** `GET /webhooks/{webhook_id}/deliveries?limit=…&status=…`, newest first. */
  async deliveries(
    webhookId: string,
    query: { limit?: number; status?: WebhookDelivery['status'] } = {},
    options?: RequestOptions,
  ): Promise<WebhookDelivery[]> {
    const call = { method: 'GET' as const, path: path`/webhooks/${webhookId}/deliveries`, query: { ...query } };
    return listOf(await this.http.send(call, options), 'deliveries');
  }

  /** `POST /webhooks/{webhook_id}/test`: delivers a test event now and answers with the delivery. */
  test(webhookId: string, query: { eventType?: string } = {}, options?: RequestOptions): Promise<WebhookDelivery> {
    const body = { event_type: query.eventType ?? 'webhook.test' };
    return this.http.send({ method: 'POST', path: path`/webhooks/${webhookId}/test`, body }, options);
  }

  /** `GET /webhooks/events`: the event types webhooks can subscribe to (the source of truth for `events`). */
  async listEvents(options?: RequestOptions): Promise<WebhookEventType[]> {
    return listOf(await this.http.send({ method: 'GET', path: '/webhooks/events' }, options), 'events');
  }

  /**
   * `POST /webhooks/{webhook_id}/deliveries/{delivery_id}/replay`: sends a failed delivery again (same event, same
   * `webhook-id`, fresh signature) and answers with the delivery after the attempt.
   * @throws BighubConflictError (code `not_failed`) for a delivery that did not fail
   */
  replayFailedDelivery(webhookId: string, deliveryId: number, options?: RequestOptions): Promise<WebhookDelivery> {
    return this.http.send(
      { method: 'POST', path: path`/webhooks/${webhookId}/deliveries/${deliveryId}/replay` },
      options,
    );
  }
}
