import { randomUUID } from 'node:crypto';
import type { BighubEvent } from '../client/events.js';
import type { Rule } from '../client/rules.js';
import { signWebhook } from '../client/signature.js';
import type { EmulatorRules } from './config.js';
import { decide, type EmulatedAction, type Verdict } from './decide.js';
import type { EmulatorState, StoredDelivery, StoredWebhook } from './state.js';

/** Every event type the emulator emits, with what it means (`GET /webhooks/events`). */
export const EVENT_TYPES: Readonly<Record<string, string>> = {
  'decision_event.created': 'An action was decided (dry runs excluded).',
  'approval.created': 'An action waits for a human approval.',
  'approval.resolved': 'A human approved or denied an action.',
  'rule.created': 'A rule was created.',
  'rule.updated': 'A rule was updated.',
  'rule.patch_applied': 'A JSON Patch was applied to a rule.',
  'rule.paused': 'A rule was paused.',
  'rule.resumed': 'A paused rule was resumed.',
  'rule.deleted': 'A rule was deleted.',
  'kill_switch.activated': 'The kill switch was activated.',
  'kill_switch.deactivated': 'The kill switch was deactivated.',
  'api_key.created': 'An API key was created.',
  'api_key.rotated': 'An API key was rotated.',
  'api_key.revoked': 'An API key was revoked.',
  'webhook.test': 'A test delivery (webhooks.test).',
};

const DAY_MS = 86_400_000;

/** What every handler shares: the state, the configuration, time, events and webhook deliveries. */
export class EmulatorCore {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly closing = new AbortController();
  private nextDeliveryId = 1;

  constructor(
    readonly state: EmulatorState,
    public config: EmulatorRules,
    readonly accessTokenTtlMs: number,
  ) {}

  now(): number {
    return Date.now();
  }

  iso(at = this.now()): string {
    return new Date(at).toISOString();
  }

  /** Decides an action with the configuration, the kill switch and the API-managed rules. */
  decide(action: EmulatedAction, extraRules: Iterable<Rule> = []): Verdict {
    const since = this.now() - DAY_MS;
    return decide(this.config, action, {
      killSwitch: this.state.killSwitch,
      rules: [...this.state.rules.values(), ...extraRules],
      usedToday: (ruleId) =>
        this.state.actions.filter((a) => a.at >= since && a.kind !== 'block' && a.matched_rules.includes(ruleId))
          .length,
    });
  }

  /** Logs an event and starts its deliveries to every active webhook subscribed to its type. */
  emit(eventType: string, data: Record<string, unknown>): BighubEvent {
    const event: BighubEvent = { event_id: `evt_${randomUUID()}`, event_type: eventType, created_at: this.iso(), data };
    this.state.events.push(event);
    for (const webhook of this.state.webhooks.values()) {
      if (!webhook.is_active || !(webhook.events.includes(eventType) || webhook.events.includes('*'))) continue;
      this.track(this.attempt(this.newDelivery(webhook, event), webhook));
    }
    return event;
  }

  /** A delivery of `event` to `webhook`, recorded as pending. */
  newDelivery(webhook: StoredWebhook, event: BighubEvent): StoredDelivery {
    const delivery: StoredDelivery = {
      delivery_id: this.nextDeliveryId++,
      webhook_id: webhook.webhook_id,
      event_id: event.event_id,
      event_type: event.event_type,
      status: 'pending',
      attempts: 0,
      created_at: this.iso(),
      payload: JSON.stringify(event),
    };
    this.state.deliveries.push(delivery);
    return delivery;
  }

  /**
   * One delivery attempt: POST the payload, signed with the webhook's secret (Standard Webhooks headers; the
   * `webhook-id` is the event id on every attempt), never following redirects, within 5 s.
   */
  async attempt(delivery: StoredDelivery, webhook: StoredWebhook): Promise<void> {
    delivery.attempts += 1;
    delivery.last_attempt_at = this.iso();
    delivery.status = 'pending';
    try {
      const response = await fetch(webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'tollgate-bighub-emulator',
          ...signWebhook(delivery.event_id, delivery.payload, webhook.secret),
        },
        body: delivery.payload,
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(5000), this.closing.signal]),
      });
      await response.arrayBuffer().catch(() => undefined);
      delivery.status_code = response.status;
      delivery.status = response.ok ? 'succeeded' : 'failed';
      if (response.ok) delete delivery.error;
      else delivery.error = `The receiver answered HTTP ${response.status}`;
    } catch (err) {
      delivery.status = 'failed';
      delete delivery.status_code;
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
      delivery.error = `${err instanceof Error ? err.message : String(err)}${cause}`;
    }
  }

  /** Resolves once no webhook delivery is in flight. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Aborts deliveries in flight. */
  close(): void {
    this.closing.abort();
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    work.finally(() => this.inFlight.delete(work));
  }
}
