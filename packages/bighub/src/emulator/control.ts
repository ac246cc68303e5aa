import type { EmulatorCore } from './core.js';
import {
  type Answer,
  countBy,
  fail,
  type HandlerRequest,
  HttpError,
  limitOf,
  notFound,
  ok,
  refuse,
  str,
  windowMs,
} from './http.js';

export function listApprovals(core: EmulatorCore, { query }: HandlerRequest): Answer {
  const status = query.status ?? 'pending';
  const list = [...core.state.approvals.values()].filter((a) => status === 'all' || a.status === status);
  return ok(list.slice(0, limitOf(query.limit, 50)));
}

export function resolveApproval(core: EmulatorCore, { body, params }: HandlerRequest): Answer {
  const approval = core.state.approvals.get(params[0]!);
  if (!approval) notFound('Approval');
  if (body.resolution !== 'approved' && body.resolution !== 'denied') {
    refuse('resolution', 'must be "approved" or "denied"');
  }
  if (approval.status !== 'pending') {
    throw new HttpError(fail(409, `Approval is already ${approval.status}`, 'already_resolved'));
  }
  approval.status = body.resolution;
  approval.resolved_at = core.iso();
  if (typeof body.comment === 'string') approval.comment = body.comment;
  core.emit('approval.resolved', { ...approval });
  return ok({ ...approval });
}

export function killSwitchStatus(core: EmulatorCore): Answer {
  return ok({ ...core.state.killSwitch });
}

export function activateKillSwitch(core: EmulatorCore, { body }: HandlerRequest): Answer {
  const scope = str(body.scope) ?? 'global';
  if (scope !== 'global' && scope !== 'domain') refuse('scope', 'must be "global" or "domain"');
  if (scope === 'domain' && !str(body.domain)) refuse('domain', 'field required with scope "domain"');
  core.state.killSwitch = {
    active: true,
    reason: str(body.reason),
    scope,
    ...(scope === 'domain' ? { domain: str(body.domain) } : {}),
    activated_at: core.iso(),
  };
  core.emit('kill_switch.activated', { ...core.state.killSwitch });
  return ok({ ...core.state.killSwitch });
}

export function deactivateKillSwitch(core: EmulatorCore, { body }: HandlerRequest): Answer {
  const was = core.state.killSwitch;
  core.state.killSwitch = { active: false };
  if (was.active) core.emit('kill_switch.deactivated', { reason: str(body.reason) ?? null, was: { ...was } });
  return ok({ ...core.state.killSwitch });
}

export function listEvents(core: EmulatorCore, { query }: HandlerRequest): Answer {
  const since = query.since === undefined ? undefined : Date.parse(query.since);
  if (since !== undefined && Number.isNaN(since)) refuse('since', 'must be an ISO 8601 time');
  const events = core.state.events
    .filter(
      (e) =>
        (!query.event_type || e.event_type === query.event_type) &&
        (since === undefined || Date.parse(e.created_at) > since),
    )
    .reverse();
  return ok({ events: events.slice(0, limitOf(query.limit, 50)) });
}

export function eventStats(core: EmulatorCore, { query }: HandlerRequest): Answer {
  const ms = windowMs(query.window_hours);
  const since = core.now() - ms;
  const events = core.state.events.filter((e) => Date.parse(e.created_at) >= since);
  return ok({ window_hours: ms / 3_600_000, total: events.length, by_type: countBy(events.map((e) => e.event_type)) });
}
