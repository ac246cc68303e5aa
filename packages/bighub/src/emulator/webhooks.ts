import { randomUUID } from 'node:crypto';
import { newWebhookSecret } from '../client/signature.js';
import { isLoopback } from '../client/transport.js';
import type { BighubWebhook } from '../client/webhooks.js';
import { type EmulatorCore, EVENT_TYPES } from './core.js';
import {
  type Answer,
  fail,
  found,
  type HandlerRequest,
  HttpError,
  limitOf,
  notFound,
  ok,
  refuse,
  str,
} from './http.js';
import type { StoredDelivery, StoredWebhook } from './state.js';

/** Refuses a URL the emulator will not deliver to: it delivers only over http(s) to this machine. */
function checkUrl(raw: unknown): string {
  let url: URL;
  try {
    url = new URL(String(raw));
  } catch {
    refuse('url', 'must be a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') refuse('url', 'must be http or https');
  if (!isLoopback(url.hostname)) {
    refuse('url', 'the emulator delivers only to this machine (127.0.0.0/8, ::1, localhost)');
  }
  return url.href;
}

function checkEvents(raw: unknown): string[] {
  if (!Array.isArray(raw) || raw.length === 0) refuse('events', 'must be a non-empty array of event types');
  for (const e of raw) {
    if (e !== '*' && !(typeof e === 'string' && e in EVENT_TYPES)) {
      refuse('events', `unknown event type ${JSON.stringify(e)}; see GET /webhooks/events`);
    }
  }
  return raw as string[];
}

function listing(webhook: StoredWebhook): BighubWebhook {
  const { secret: _secret, ...rest } = webhook;
  return rest;
}

function deliveryView(delivery: StoredDelivery) {
  const { payload: _payload, ...rest } = delivery;
  return rest;
}

function webhookOf(core: EmulatorCore, id: string | undefined): StoredWebhook {
  return found(core.state.webhooks, id, 'Webhook');
}

export function createWebhook(core: EmulatorCore, { body }: HandlerRequest): Answer {
  const url = checkUrl(body.url);
  const events = checkEvents(body.events);
  if (body.label !== undefined && typeof body.label !== 'string') refuse('label', 'must be a string');
  if (body.secret !== undefined && !/^whsec_[A-Za-z0-9+/=]{16,}$/.test(String(body.secret))) {
    refuse('secret', 'must be "whsec_" followed by at least 16 base64 characters');
  }
  const now = core.iso();
  const webhook: StoredWebhook = {
    webhook_id: `wh_${randomUUID()}`,
    url,
    label: str(body.label),
    events,
    is_active: true,
    created_at: now,
    updated_at: now,
    secret: str(body.secret) ?? newWebhookSecret(),
  };
  core.state.webhooks.set(webhook.webhook_id, webhook);
  return ok({ ...webhook }, 201);
}

export function listWebhooks(core: EmulatorCore, { query }: HandlerRequest): Answer {
  const all = query.include_inactive === 'true';
  return ok({ webhooks: [...core.state.webhooks.values()].filter((w) => all || w.is_active).map(listing) });
}

export function getWebhook(core: EmulatorCore, { params }: HandlerRequest): Answer {
  return ok(listing(webhookOf(core, params[0])));
}

export function updateWebhook(core: EmulatorCore, { body, params }: HandlerRequest): Answer {
  const webhook = webhookOf(core, params[0]);
  for (const key of Object.keys(body)) {
    if (!['url', 'label', 'events', 'is_active'].includes(key)) refuse(key, 'unknown field');
  }
  if (body.is_active !== undefined && typeof body.is_active !== 'boolean') refuse('is_active', 'must be a boolean');
  if (body.label !== undefined && typeof body.label !== 'string') refuse('label', 'must be a string');
  if (body.url !== undefined) webhook.url = checkUrl(body.url);
  if (body.events !== undefined) webhook.events = checkEvents(body.events);
  if (body.label !== undefined) webhook.label = body.label as string;
  if (body.is_active !== undefined) webhook.is_active = body.is_active as boolean;
  webhook.updated_at = core.iso();
  return ok(listing(webhook));
}

export function deleteWebhook(core: EmulatorCore, { params }: HandlerRequest): Answer {
  const webhook = webhookOf(core, params[0]);
  core.state.webhooks.delete(webhook.webhook_id);
  return ok({ deleted: true, webhook_id: webhook.webhook_id });
}

export function listDeliveries(core: EmulatorCore, { params, query }: HandlerRequest): Answer {
  const webhook = webhookOf(core, params[0]);
  const deliveries = core.state.deliveries
    .filter((d) => d.webhook_id === webhook.webhook_id && (!query.status || d.status === query.status))
    .reverse();
  return ok({ deliveries: deliveries.slice(0, limitOf(query.limit, 50)).map(deliveryView) });
}

/** `POST /webhooks/{id}/test {event_type}`: delivers a test event now (even to an inactive webhook). */
export async function testWebhook(core: EmulatorCore, { body, params }: HandlerRequest): Promise<Answer> {
  const webhook = webhookOf(core, params[0]);
  const eventType = str(body.event_type) ?? 'webhook.test';
  if (!(eventType in EVENT_TYPES)) refuse('event_type', `unknown event type ${JSON.stringify(eventType)}`);
  const event = {
    event_id: `evt_test_${randomUUID()}`,
    event_type: eventType,
    created_at: core.iso(),
    data: { test: true, webhook_id: webhook.webhook_id },
  };
  const delivery = core.newDelivery(webhook, event);
  await core.attempt(delivery, webhook);
  return ok(deliveryView(delivery));
}

export function webhookEvents(): Answer {
  return ok({ events: Object.entries(EVENT_TYPES).map(([event_type, description]) => ({ event_type, description })) });
}

/** Sends a failed delivery again: the same payload and `webhook-id`, a fresh timestamp and signature. */
export async function replayDelivery(core: EmulatorCore, { params }: HandlerRequest): Promise<Answer> {
  const webhook = webhookOf(core, params[0]);
  const id = Number(params[1]);
  const delivery = core.state.deliveries.find((d) => d.delivery_id === id && d.webhook_id === webhook.webhook_id);
  if (!delivery) notFound('Delivery');
  if (delivery.status !== 'failed') {
    throw new HttpError(fail(409, `Delivery ${id} is ${delivery.status}, not failed`, 'not_failed'));
  }
  await core.attempt(delivery, webhook);
  return ok(deliveryView(delivery));
}
