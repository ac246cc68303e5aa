import { listOf } from './list.js';
import type { Transport } from './transport.js';
import type { RequestOptions } from './types.js';

/** One control-plane event (what webhooks deliver): a decision, a rule change, an approval, the kill switch… */
export interface BighubEvent {
  event_id: string;
  /** E.g. `decision_event.created`, `rule.updated`, `rule.patch_applied`, `approval.created`. */
  event_type: string;
  /** ISO 8601. */
  created_at: string;
  /** What happened: the decision, the rule, the approval… */
  data: Record<string, unknown>;
  [key: string]: unknown;
}

/** Query of `GET /events`. */
export interface EventListQuery {
  /** Only this type (`event_type`). */
  eventType?: string;
  /** At most this many, newest first (default 50). */
  limit?: number;
  /** Only events after this ISO 8601 time. */
  since?: string;
}

/** Answer of `GET /events/stats`. */
export interface EventStats {
  window_hours: number;
  total: number;
  /** Events per type. */
  by_type: Record<string, number>;
  [key: string]: unknown;
}

/** `client.events`: the control plane's event log. */
export class EventsApi {
  constructor(private readonly http: Transport) {}

  /** `GET /events?event_type=…&limit=…&since=…`, newest first. Accepts a bare array or `{events: […]}`. */
  async list(query: EventListQuery = {}, options?: RequestOptions): Promise<BighubEvent[]> {
    const q = { event_type: query.eventType, limit: query.limit, since: query.since };
    return listOf(await this.http.send({ method: 'GET', path: '/events', query: q }, options), 'events');
  }

  /** `GET /events/stats?window_hours=…`: counts per event type. */
  stats(query: { windowHours?: number } = {}, options?: RequestOptions): Promise<EventStats> {
    return this.http.send(
      { method: 'GET', path: '/events/stats', query: { window_hours: query.windowHours } },
      options,
    );
  }
}
