import { randomUUID } from 'node:crypto';
import type { MemoryRecommendation } from '../client/actions.js';
import type { OutcomeReport } from '../client/outcomes.js';
import type { MemoryEvent } from '../client/types.js';
import type { EmulatorEndpoint } from './config.js';
import type { EmulatorCore } from './core.js';
import { type EmulatedAction, render, type Verdict } from './decide.js';
import { type Answer, countBy, type HandlerRequest, notFound, ok, refuse, str, windowMs } from './http.js';
import { changeRule } from './policy.js';
import type { RecordedAction, StoredMemoryEvent } from './state.js';

/** A verdict kind as BIGHUB's `result` names it. */
const RESULTS = {
  allow: 'allowed',
  block: 'blocked',
  approval: 'requires_approval',
  needs_context: 'needs_context',
} as const;

/** Reads the action of a decision request; refuses a malformed one with 422. */
export function actionOf(body: Record<string, unknown>, endpoint: EmulatorEndpoint): EmulatedAction {
  if (typeof body.action !== 'string' || body.action === '') refuse('action', 'field required');
  if (endpoint === 'evaluate' && typeof body.actor !== 'string') refuse('actor', 'field required');
  if (body.value !== undefined && (typeof body.value !== 'number' || !Number.isFinite(body.value))) {
    refuse('value', 'must be a number');
  }
  const raw = endpoint === 'evaluate' ? body.context : { ...(body.metadata as object), ...(body.context as object) };
  return {
    action: body.action,
    value: body.value as number | undefined,
    target: str(body.target),
    actor: str(body.actor),
    domain: str(body.domain),
    context: typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {},
  };
}

/** The answer a verdict gets: the configured fixed decision, or the verdict in the configured generation. */
export function answerFor(core: EmulatorCore, verdict: Verdict, requestId: string, action: EmulatedAction) {
  // The kill switch blocks every decision, a configured fixed one too.
  if (core.config.decision && verdict.blockedBy !== 'kill_switch') {
    return { request_id: requestId, ...core.config.decision };
  }
  return render(verdict, core.config, requestId, action);
}

/** `submit`, `submit_v2`, `dry_run` and `evaluate`: decide, and record unless it is a dry run. */
export function decision(core: EmulatorCore, req: HandlerRequest, endpoint: EmulatorEndpoint): Answer {
  const action = actionOf(req.body, endpoint);
  const requestId = `req_${randomUUID()}`;
  const verdict = core.decide(action);
  const answer = answerFor(core, verdict, requestId, action);
  if (endpoint === 'dry_run' || req.body.dry_run === true) return ok(answer);
  const recorded: RecordedAction = {
    endpoint,
    request_id: requestId,
    action,
    kind: verdict.kind,
    decision: answer,
    matched_rules: verdict.matchedRules,
    blocked_by: verdict.blockedBy,
    at: core.now(),
  };
  core.state.actions.push(recorded);
  core.emit('decision_event.created', {
    request_id: requestId,
    action: action.action,
    actor: action.actor,
    domain: action.domain,
    value: action.value,
    result: RESULTS[verdict.kind],
    blocked_by: verdict.blockedBy ?? null,
    rule_id: verdict.ruleId ?? null,
    risk_score: verdict.risk,
  });
  if (verdict.kind === 'approval') {
    const approval = {
      request_id: requestId,
      status: 'pending' as const,
      action: action.action,
      actor: action.actor,
      value: action.value,
      target: action.target,
      domain: action.domain,
      created_at: core.iso(),
    };
    core.state.approvals.set(requestId, approval);
    core.emit('approval.created', { ...approval });
  }
  return ok(answer);
}

export function verifyValidation(core: EmulatorCore, { body }: HandlerRequest): Answer {
  const hash = str(body.validation_hash);
  if (!hash) refuse('validation_hash', 'field required');
  const requestId = str(body.request_id);
  const found = core.state.actions.find(
    (a) => a.decision.validation_hash === hash && (requestId === undefined || a.request_id === requestId),
  );
  if (!found) return ok({ valid: false, validation_hash: hash, ...(requestId ? { request_id: requestId } : {}) });
  return ok({
    valid: true,
    validation_hash: hash,
    request_id: found.request_id,
    action: found.action.action,
    result: found.decision.result,
  });
}

export function actionStatus(core: EmulatorCore, { params }: HandlerRequest): Answer {
  const found = core.state.actions.find((a) => a.request_id === params[0]);
  if (!found) notFound('Action');
  const approval = core.state.approvals.get(found.request_id);
  const status = approval
    ? approval.status === 'pending'
      ? 'pending_approval'
      : approval.status
    : { allow: 'allowed', block: 'blocked', needs_context: 'needs_context' }[found.kind];
  return ok({
    request_id: found.request_id,
    status,
    action: found.action.action,
    decision: found.decision,
    decided_at: core.iso(found.at),
    ...(approval?.resolved_at ? { resolved_at: approval.resolved_at } : {}),
  });
}

/** Decided actions in the window of `query.window_hours`, optionally of one domain. */
function recent(core: EmulatorCore, query: Record<string, string>): RecordedAction[] {
  const since = core.now() - windowMs(query.window_hours);
  return core.state.actions.filter((a) => a.at >= since && (!query.domain || a.action.domain === query.domain));
}

export function observerStats(core: EmulatorCore, { query }: HandlerRequest): Answer {
  const actions = recent(core, query);
  const kinds = countBy(actions.map((a) => a.kind));
  return ok({
    window_hours: windowMs(query.window_hours) / 3_600_000,
    total: actions.length,
    allowed: kinds.allow ?? 0,
    blocked: kinds.block ?? 0,
    requires_approval: kinds.approval ?? 0,
    needs_context: kinds.needs_context ?? 0,
    by_domain: countBy(actions.map((a) => a.action.domain ?? 'none')),
    by_action: countBy(actions.map((a) => a.action.action)),
    blocked_by: countBy(actions.flatMap((a) => (a.blocked_by ? [a.blocked_by] : []))),
  });
}

export function dashboardSummary(core: EmulatorCore): Answer {
  const s = core.state;
  const kinds = countBy(s.actions.map((a) => a.kind));
  const rules = [...s.rules.values()];
  return ok({
    actions: {
      total: s.actions.length,
      allowed: kinds.allow ?? 0,
      blocked: (kinds.block ?? 0) + (kinds.needs_context ?? 0),
      requires_approval: kinds.approval ?? 0,
    },
    approvals: { pending: [...s.approvals.values()].filter((a) => a.status === 'pending').length },
    rules: {
      active: rules.filter((r) => r.status === 'active').length,
      paused: rules.filter((r) => r.status === 'paused').length,
    },
    kill_switch: { active: s.killSwitch.active },
    webhooks: { active: [...s.webhooks.values()].filter((w) => w.is_active).length },
    memory: { events: s.memoryEvents.length },
  });
}

export function memoryIngest(core: EmulatorCore, { body }: HandlerRequest): Answer {
  if (!Array.isArray(body.events)) refuse('events', 'field required (an array)');
  const seen = new Set(core.state.memoryEvents.map((e) => e.event_id));
  let ingested = 0;
  for (const event of body.events as MemoryEvent[]) {
    if (seen.has(event.event_id)) continue;
    seen.add(event.event_id);
    core.state.memoryEvents.push({
      ...event,
      actor: str(body.actor),
      domain: str(body.domain),
      source: str(body.source),
    });
    ingested++;
  }
  return ok({ ingested, duplicates: body.events.length - ingested });
}

/** Memory events in scope: the window, and tool, domain and actor when given. */
function memoryInScope(
  core: EmulatorCore,
  windowHours: unknown,
  scope: { tool?: unknown; domain?: unknown; actor?: unknown },
): StoredMemoryEvent[] {
  const since = core.now() - windowMs(windowHours);
  return core.state.memoryEvents.filter(
    (e) =>
      (!scope.tool || e.tool === scope.tool) &&
      (!scope.domain || e.domain === scope.domain) &&
      (!scope.actor || e.actor === scope.actor) &&
      Date.parse(e.timestamp) >= since,
  );
}

/** Why a memory event was blocked: its decision's `reason`, else `blocked_by`, else `unknown`. */
function blockReason(event: StoredMemoryEvent): string {
  const d = (event.decision ?? {}) as { reason?: unknown; blocked_by?: unknown };
  return str(d.reason) || str(d.blocked_by) || 'unknown';
}

export function memoryContext(core: EmulatorCore, { query }: HandlerRequest): Answer {
  const matching = memoryInScope(core, query.window_hours, query);
  const total = matching.length;
  const rate = (status: string) => (total ? matching.filter((e) => e.status === status).length / total : 0);
  const risks = matching
    .map((e) => (e.decision as { risk?: unknown; risk_score?: unknown } | undefined) ?? {})
    .map((d) => (typeof d.risk === 'number' ? d.risk : d.risk_score))
    .filter((r): r is number => typeof r === 'number');
  return ok({
    total_events: total,
    blocked_rate: rate('blocked'),
    approval_rate: rate('approval_required'),
    tool_error_rate: rate('tool_error'),
    avg_risk_score: risks.length ? risks.reduce((a, b) => a + b, 0) / risks.length : null,
    top_tools: top(matching.map((e) => e.tool)).map(([tool, count]) => ({ tool, count })),
    top_block_reasons: top(matching.filter((e) => e.status === 'blocked').map(blockReason)).map(([reason, count]) => ({
      reason,
      count,
    })),
    recent_events: matching.slice(-10).reverse(),
    ...(core.state.memoryRefreshedAt ? { aggregates_refreshed_at: core.state.memoryRefreshedAt } : {}),
  });
}

export function memoryRefresh(core: EmulatorCore, { body }: HandlerRequest): Answer {
  if (body.concurrent !== undefined && typeof body.concurrent !== 'boolean') refuse('concurrent', 'must be a boolean');
  core.state.memoryRefreshedAt = core.iso();
  const events = memoryInScope(core, body.window_hours, {}).length;
  return ok({
    refreshed: true,
    concurrent: body.concurrent ?? false,
    window_hours: windowMs(body.window_hours) / 3_600_000,
    events,
    refreshed_at: core.state.memoryRefreshedAt,
  });
}

/**
 * Recommends, for each active rule of the scope's domain that has a `max_value`, a tightening patch when at least
 * `min_events` events in scope were blocked or waited for approval at a rate of 25 % or more: route more of that
 * traffic to a human by lowering (or adding) `require_approval_above` to half the rule's `max_value`. Such a patch
 * only tightens, so with `auto_apply` it is applied at once.
 */
export function memoryRecommendations(core: EmulatorCore, { body }: HandlerRequest): Answer {
  const scope = (typeof body.scope === 'object' && body.scope !== null ? body.scope : {}) as Record<string, unknown>;
  const minEvents = body.min_events === undefined ? 20 : Number(body.min_events);
  if (!Number.isInteger(minEvents) || minEvents < 1) refuse('min_events', 'must be a positive integer');
  const hours = windowMs(body.window_hours) / 3_600_000;
  const events = memoryInScope(core, body.window_hours, scope);
  const risky = events.filter((e) => e.status === 'blocked' || e.status === 'approval_required').length;
  const riskyRate = events.length ? risky / events.length : 0;
  const recommendations: MemoryRecommendation[] = [];
  if (events.length >= minEvents && riskyRate >= 0.25) {
    for (const rule of core.state.rules.values()) {
      if (rule.status !== 'active' || (scope.domain && rule.domain !== scope.domain)) continue;
      if (rule.max_value === undefined) continue;
      const threshold = rule.max_value / 2;
      if (rule.require_approval_above !== undefined && rule.require_approval_above <= threshold) continue;
      const op = rule.require_approval_above === undefined ? 'add' : 'replace';
      const rec: MemoryRecommendation = {
        recommendation_id: `rec_${randomUUID()}`,
        scope: { domain: str(scope.domain), tool: str(scope.tool), actor: str(scope.actor) },
        time_window_hours: hours,
        impact_estimate: {
          events_considered: events.length,
          blocked_or_review_rate: riskyRate,
          current_require_approval_above: rule.require_approval_above ?? null,
          suggested_require_approval_above: threshold,
        },
        suggested_policy_patch: [{ op, path: '/require_approval_above', value: threshold }],
        is_safe_patch: true,
        risk_increasing_patch: false,
        requires_human_review: body.auto_apply !== true,
        target_rule_id: rule.rule_id,
        rule_selector: { domain: rule.domain, name: rule.name },
        apply_endpoint: `/rules/${rule.rule_id}/apply_patch`,
      };
      if (body.auto_apply === true) {
        changeRule(core, rule.rule_id, { ...rule, require_approval_above: threshold }, 'patch_applied', {
          patch: rec.suggested_policy_patch,
        });
        rec.applied = true;
      }
      recommendations.push(rec);
    }
  }
  return ok({ recommendations, events_considered: events.length, window_hours: hours });
}

export function outcomes(core: EmulatorCore, { body }: HandlerRequest): Answer {
  if (typeof body.status !== 'string') refuse('status', 'field required');
  core.state.outcomes.push(body as OutcomeReport);
  return ok({ recorded: true, outcome_id: `out_${randomUUID()}` });
}

function top(values: string[]): [string, number][] {
  return Object.entries(countBy(values))
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5);
}
