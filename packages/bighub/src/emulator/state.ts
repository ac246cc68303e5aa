import type { ApiKey } from '../client/api-keys.js';
import type { BighubEvent } from '../client/events.js';
import type { KillSwitchStatus } from '../client/kill-switch.js';
import type { OutcomeReport } from '../client/outcomes.js';
import type { Rule, RuleVersion } from '../client/rules.js';
import type { MemoryEvent } from '../client/types.js';
import type { BighubWebhook, WebhookDelivery } from '../client/webhooks.js';
import type { EmulatorEndpoint } from './config.js';
import type { EmulatedAction } from './decide.js';

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
  /** The request's headers (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
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
  /** The answer as sent. */
  decision: Record<string, unknown>;
  /** The API-managed rules that applied. */
  matched_rules: string[];
  /** `blocked_by` of a block. */
  blocked_by?: string;
  /** When it was decided, ms since the epoch. */
  at: number;
}

/** An ingested memory event with its envelope's actor and domain. */
export type StoredMemoryEvent = MemoryEvent & { actor?: string; domain?: string; source?: string };

/** An API key as the emulator keeps it: the listing, plus the hash of the secret. */
export interface StoredApiKey extends ApiKey {
  /** SHA-256 of the secret, hex. */
  hash: string;
}

/** A user account. */
export interface StoredUser {
  user_id: string;
  email: string;
  organization?: string;
  full_name?: string;
  /** scrypt hash and salt of the password, hex. */
  password: { salt: string; hash: string };
  created_at: string;
}

/** A login session: its refresh token and current access token. */
export interface Session {
  user_id: string;
  refreshToken: string;
  accessToken: string;
  /** When the access token expires, ms since the epoch. */
  accessExpiresAt: number;
}

/** A webhook with its signing secret. */
export interface StoredWebhook extends BighubWebhook {
  secret: string;
}

/** A delivery with the exact payload it sends (replays send it again). */
export interface StoredDelivery extends WebhookDelivery {
  payload: string;
}

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
  /** When memory aggregates were last refreshed (ISO 8601). */
  memoryRefreshedAt: string | undefined;
  /** Reported outcomes. */
  outcomes: OutcomeReport[];
  /** The kill switch, as `GET /kill-switch/status` answers it. */
  killSwitch: KillSwitchStatus;
  /** API-managed rules by `rule_id`. */
  rules: Map<string, Rule>;
  /** Every version of every rule, oldest first, by `rule_id`. */
  ruleVersions: Map<string, RuleVersion[]>;
  /** The event log, oldest first. */
  events: BighubEvent[];
  /** Webhooks by `webhook_id`. */
  webhooks: Map<string, StoredWebhook>;
  /** Every delivery, oldest first. */
  deliveries: StoredDelivery[];
  /** API keys by `key_id` (not the emulator's own `apiKey`). */
  apiKeys: Map<string, StoredApiKey>;
  /** Users by e-mail. */
  users: Map<string, StoredUser>;
  /** Login sessions. */
  sessions: Session[];
}

export function emptyState(): EmulatorState {
  return {
    requests: [],
    actions: [],
    approvals: new Map(),
    memoryEvents: [],
    memoryRefreshedAt: undefined,
    outcomes: [],
    killSwitch: { active: false },
    rules: new Map(),
    ruleVersions: new Map(),
    events: [],
    webhooks: new Map(),
    deliveries: [],
    apiKeys: new Map(),
    users: new Map(),
    sessions: [],
  };
}
