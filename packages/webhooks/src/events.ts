import type { ApprovalRecord } from '@tollgate/core';

/**
 * What happened to an approval: `created` (a call waits for a person), `updated` (one approval of several was
 * given), `decided` (approved or denied), `expired` (nobody decided in time, which counts as denied).
 */
export type ApprovalEventType = 'approval.created' | 'approval.updated' | 'approval.decided' | 'approval.expired';

/** Every event type, for `WebhookEndpoint.events`. */
export const APPROVAL_EVENT_TYPES: readonly ApprovalEventType[] = [
  'approval.created',
  'approval.updated',
  'approval.decided',
  'approval.expired',
];

/** The approval as a notification tells it: no arguments unless `includeArgs`, times as ISO 8601. */
export interface ApprovalSummary {
  id: string;
  /** The state as of the event. */
  status: ApprovalRecord['status'];
  tool: string;
  callId: string;
  traceId?: string;
  actor?: string;
  tenant?: string;
  session?: string;
  /** The gates that asked, and the first one's reason and message. */
  gates: string[];
  reason: string;
  message?: string;
  createdAt: string;
  expiresAt: string;
  quorum?: ApprovalRecord['quorum'];
  /** With a quorum: who approved so far. */
  approvals?: { by: string; at: string }[];
  decision?: { status: 'approved' | 'denied'; by: string; comment?: string; at: string };
  /** The call's arguments, only with `includeArgs` (they may hold personal data). */
  args?: Record<string, unknown>;
}

/** The JSON body of a notification. */
export interface ApprovalEvent {
  /** Stable per approval and event (`evt_<approval id>_<what>`): retries and other processes send the same id. */
  id: string;
  type: ApprovalEventType;
  /** When the event was made, ISO 8601. */
  timestamp: string;
  data: {
    approval: ApprovalSummary;
    /** The approval's page on the review console, when its URL is configured. */
    url?: string;
  };
}

/** Options for {@link approvalEvent}. */
export interface ApprovalEventOptions {
  /** ms since the epoch (default `Date.now()`). */
  now?: number;
  /** The review console's base URL, e.g. `https://review.bank.example`; adds `data.url`. */
  consoleUrl?: string;
  /** Put the call's arguments in the event (default false). */
  includeArgs?: boolean;
}

/**
 * Which event a stored record's state stands for. A consumed record stands for its decision (the call ran after
 * it), so a watcher that first sees it consumed still reports the approval, under the same event id.
 */
export function eventTypeOf(record: ApprovalRecord): ApprovalEventType | undefined {
  switch (record.status) {
    case 'pending':
      return record.approvals?.length ? 'approval.updated' : 'approval.created';
    case 'approved':
    case 'denied':
      return 'approval.decided';
    case 'expired':
      return 'approval.expired';
    default:
      return record.decision ? 'approval.decided' : undefined;
  }
}

/** Builds the event for `record`, with an id that is the same wherever and however often it is built. */
export function approvalEvent(
  type: ApprovalEventType,
  record: ApprovalRecord,
  options: ApprovalEventOptions = {},
): ApprovalEvent {
  const iso = (ms: number) => new Date(ms).toISOString();
  const ctx = record.context;
  const approval: ApprovalSummary = {
    id: record.id,
    status: record.status,
    tool: record.tool,
    callId: record.callId,
    gates: [...record.gates],
    reason: record.reason,
    createdAt: iso(record.createdAt),
    expiresAt: iso(record.expiresAt),
  };
  if (ctx.traceId) approval.traceId = ctx.traceId;
  if (ctx.actor) approval.actor = ctx.actor;
  if (ctx.tenant) approval.tenant = ctx.tenant;
  if (ctx.session) approval.session = ctx.session;
  if (record.message) approval.message = record.message;
  if (record.quorum) approval.quorum = record.quorum;
  if (record.approvals) approval.approvals = record.approvals.map((a) => ({ by: a.by, at: iso(a.at) }));
  if (record.decision) {
    const { status, by, comment, at } = record.decision;
    approval.decision = { status, by, at: iso(at), ...(comment === undefined ? {} : { comment }) };
  }
  if (options.includeArgs) approval.args = record.args;
  const what =
    type === 'approval.updated'
      ? `approval_${record.approvals?.length ?? 0}`
      : type === 'approval.decided'
        ? (record.decision?.status ?? record.status)
        : type.slice('approval.'.length);
  const event: ApprovalEvent = {
    id: `evt_${record.id}_${what}`,
    type,
    timestamp: iso(options.now ?? Date.now()),
    data: { approval },
  };
  if (options.consoleUrl) {
    event.data.url = `${options.consoleUrl.replace(/\/+$/, '')}/approvals/${encodeURIComponent(record.id)}`;
  }
  return event;
}
