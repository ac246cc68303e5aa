import { randomUUID } from 'node:crypto';
import { applyPatch } from 'rfc6902';
import type { JsonPatchOperation } from '../client/actions.js';
import type { Rule, RuleCreate } from '../client/rules.js';
import { EXECUTION_DOMAINS } from '../client/types.js';
import { actionOf, answerFor } from './actions.js';
import type { EmulatorCore } from './core.js';
import { type Answer, fail, found, type HandlerRequest, HttpError, ok, refuse } from './http.js';

/** What each execution domain covers (`GET /rules/domains`). */
const DOMAIN_DESCRIPTIONS: Record<(typeof EXECUTION_DOMAINS)[number], string> = {
  financial_actions: 'Payments, refunds, pricing and other money movements.',
  operational_systems: 'Business systems: CRM, ERP, ticketing, scheduling.',
  infrastructure_devops: 'Deploys, infrastructure changes, credentials, access grants.',
  customer_transactions: 'Orders, subscriptions and other customer-facing changes.',
  data_modifications: 'Writes and deletes in databases and data stores.',
  custom: 'Anything else.',
};

/** The fields a rule's author sets; the rest (`rule_id`, `status`, `version`, times) BIGHUB keeps. */
const EDITABLE = [
  'name',
  'domain',
  'description',
  'actions',
  'max_value',
  'require_approval_above',
  'max_per_day',
  'tags',
  'metadata',
] as const;
const LIMITS = ['max_value', 'require_approval_above', 'max_per_day'] as const;

interface FieldError {
  field: string;
  message: string;
}

/** Checks a candidate rule (all of {@link RuleCreate}); returns what is wrong, field by field. */
export function validateRule(candidate: unknown): FieldError[] {
  if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) {
    return [{ field: 'body', message: 'must be a JSON object' }];
  }
  const r = candidate as Record<string, unknown>;
  const errors: FieldError[] = [];
  const add = (field: string, message: string) => errors.push({ field, message });
  for (const key of Object.keys(r)) if (!(EDITABLE as readonly string[]).includes(key)) add(key, 'unknown field');
  if (typeof r.name !== 'string' || r.name.trim() === '') add('name', 'field required (a non-empty string)');
  if (!EXECUTION_DOMAINS.includes(r.domain as never)) add('domain', `must be one of ${EXECUTION_DOMAINS.join(', ')}`);
  if (r.description !== undefined && typeof r.description !== 'string') add('description', 'must be a string');
  for (const key of ['actions', 'tags'] as const) {
    const v = r[key];
    if (v !== undefined && (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x !== ''))) {
      add(key, 'must be an array of non-empty strings');
    }
  }
  for (const key of ['max_value', 'require_approval_above'] as const) {
    const v = r[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) {
      add(key, 'must be a number >= 0');
    }
  }
  if (r.max_per_day !== undefined && (!Number.isInteger(r.max_per_day) || (r.max_per_day as number) < 1)) {
    add('max_per_day', 'must be an integer >= 1');
  }
  if (
    r.metadata !== undefined &&
    (typeof r.metadata !== 'object' || r.metadata === null || Array.isArray(r.metadata))
  ) {
    add('metadata', 'must be an object');
  }
  return errors;
}

/** The editable part of a rule. */
function editable(rule: Record<string, unknown>): RuleCreate {
  const out: Record<string, unknown> = {};
  for (const key of EDITABLE) if (rule[key] !== undefined) out[key] = rule[key];
  return out as unknown as RuleCreate;
}

/** Throws a 422 listing every problem of a candidate rule. */
function assertValid(candidate: unknown): asserts candidate is RuleCreate {
  const errors = validateRule(candidate);
  if (errors.length === 0) return;
  throw new HttpError({
    status: 422,
    body: { detail: errors.map((e) => ({ loc: ['body', e.field], msg: e.message, type: 'value_error' })) },
  });
}

function ruleOf(core: EmulatorCore, id: string | undefined): Rule {
  return found(core.state.rules, id, 'Rule');
}

function snapshot(rule: Rule): Rule {
  return structuredClone(rule);
}

/**
 * Stores a new version of a rule: its editable fields become `next`'s (and `status`, when given), the version rises
 * by one, the version is recorded and `rule.<change>` is emitted. Returns the new rule.
 */
export function changeRule(
  core: EmulatorCore,
  id: string,
  next: Record<string, unknown>,
  change: 'updated' | 'patch_applied' | 'paused' | 'resumed',
  eventData: Record<string, unknown> = {},
): Rule {
  const current = ruleOf(core, id);
  const rule: Rule = {
    ...editable(next),
    rule_id: id,
    status: (next.status as Rule['status'] | undefined) ?? current.status,
    version: current.version + 1,
    created_at: current.created_at,
    updated_at: core.iso(),
  };
  core.state.rules.set(id, rule);
  core.state.ruleVersions
    .get(id)!
    .push({ version: rule.version, change, changed_at: rule.updated_at, rule: snapshot(rule) });
  core.emit(`rule.${change}`, { rule_id: id, version: rule.version, rule: snapshot(rule), ...eventData });
  return rule;
}

export function createRule(core: EmulatorCore, { body }: HandlerRequest): Answer {
  assertValid(body);
  const now = core.iso();
  const rule: Rule = {
    ...editable(body),
    rule_id: `rule_${randomUUID()}`,
    status: 'active',
    version: 1,
    created_at: now,
    updated_at: now,
  };
  core.state.rules.set(rule.rule_id, rule);
  core.state.ruleVersions.set(rule.rule_id, [{ version: 1, change: 'created', changed_at: now, rule: snapshot(rule) }]);
  core.emit('rule.created', { rule_id: rule.rule_id, version: 1, rule: snapshot(rule) });
  return ok(rule, 201);
}

export function listRules(core: EmulatorCore, { query }: HandlerRequest): Answer {
  const limit = Number(query.limit ?? 100);
  const rules = [...core.state.rules.values()].filter(
    (r) => (!query.domain || r.domain === query.domain) && (!query.status || r.status === query.status),
  );
  return ok({ rules: rules.slice(0, Number.isInteger(limit) && limit > 0 ? limit : 100) });
}

export function getRule(core: EmulatorCore, { params }: HandlerRequest): Answer {
  return ok(ruleOf(core, params[0]));
}

export function updateRule(core: EmulatorCore, { body, params }: HandlerRequest): Answer {
  const current = ruleOf(core, params[0]);
  const next = { ...editable(current), ...body };
  assertValid(next);
  return ok(changeRule(core, current.rule_id, next, 'updated', { changed: Object.keys(body) }));
}

export function deleteRule(core: EmulatorCore, { params }: HandlerRequest): Answer {
  const rule = ruleOf(core, params[0]);
  core.state.rules.delete(rule.rule_id);
  core.state.ruleVersions.delete(rule.rule_id);
  core.emit('rule.deleted', { rule_id: rule.rule_id, version: rule.version });
  return ok({ deleted: true, rule_id: rule.rule_id });
}

export function pauseRule(core: EmulatorCore, req: HandlerRequest, paused: boolean): Answer {
  const rule = ruleOf(core, req.params[0]);
  const status = paused ? 'paused' : 'active';
  if (rule.status === status) return ok(rule);
  return ok(changeRule(core, rule.rule_id, { ...rule, status }, paused ? 'paused' : 'resumed'));
}

/** Whether a patch loosens a rule: raises or removes a limit, moves it to another domain, or narrows its actions. */
function risksMore(before: Rule, after: Rule): boolean {
  for (const key of LIMITS) {
    const b = before[key];
    const a = after[key];
    if (b !== undefined && (a === undefined || a > b)) return true;
  }
  if (before.domain !== after.domain) return true;
  const was = before.actions;
  const now = after.actions;
  return now !== undefined && (was === undefined || was.some((name) => !now.includes(name)));
}

/**
 * `POST /rules/{id}/apply_patch {patch, preview, if_match_version}`: an RFC 6902 patch (rfc6902) on the rule's
 * editable fields, all operations or none. A stale `if_match_version` is a 409 `version_conflict` with the current
 * version; a preview's `after.version` is the current version, the value to apply with.
 */
export function applyRulePatch(core: EmulatorCore, { body, params }: HandlerRequest): Answer {
  const current = ruleOf(core, params[0]);
  if (!Array.isArray(body.patch)) refuse('patch', 'field required (an array of JSON Patch operations)');
  const preview = body.preview === true;
  const expected = body.if_match_version;
  if (expected !== undefined && expected !== null) {
    if (!Number.isInteger(expected)) refuse('if_match_version', 'must be an integer');
    if (expected !== current.version) {
      throw new HttpError(
        fail(409, `Rule is at version ${current.version}, not ${expected}`, 'version_conflict', {
          current_version: current.version,
          expected_version: expected,
        }),
      );
    }
  }
  const patch = body.patch as JsonPatchOperation[];
  const doc = structuredClone(editable(current)) as unknown as Record<string, unknown>;
  for (const [i, op] of patch.entries()) {
    const path = typeof op === 'object' && op !== null ? (op as { path?: unknown }).path : undefined;
    const top = typeof path === 'string' ? path.split('/')[1] : undefined;
    if (top === undefined || !(EDITABLE as readonly string[]).includes(top)) {
      refuse(`patch/${i}`, `path ${JSON.stringify(path)} is not an editable field (${EDITABLE.join(', ')})`);
    }
  }
  const failures = applyPatch(doc, patch as Parameters<typeof applyPatch>[1]);
  const failed = failures.findIndex((f) => f !== null);
  if (failed >= 0) refuse(`patch/${failed}`, `operation failed: ${failures[failed]!.message}`);
  assertValid(doc);
  const after: Rule = { ...current, ...editable(doc) };
  for (const key of EDITABLE) if (!(key in doc)) delete after[key];
  const risk = risksMore(current, after);
  if (preview)
    return ok({
      rule_id: current.rule_id,
      preview: true,
      applied: false,
      before: current,
      after,
      risk_increasing: risk,
    });
  const applied = changeRule(core, current.rule_id, after, 'patch_applied', { patch, risk_increasing: risk });
  return ok({
    rule_id: current.rule_id,
    preview: false,
    applied: true,
    before: current,
    after: applied,
    risk_increasing: risk,
  });
}

export function dryRunRules(core: EmulatorCore, { body }: HandlerRequest): Answer {
  const action = actionOf(body, 'submit');
  const verdict = core.decide(action);
  return ok({
    decision: answerFor(core, verdict, `req_dry_${randomUUID()}`, action),
    matched_rules: verdict.matchedRules,
  });
}

export function validateRuleRequest(_core: EmulatorCore, { body }: HandlerRequest): Answer {
  const errors = validateRule(body);
  return ok({ valid: errors.length === 0, errors });
}

/** `POST /rules/validate/dry-run {rule, action}`: the candidate's validation and the decision it would give. */
export function validateDryRun(core: EmulatorCore, { body }: HandlerRequest): Answer {
  const errors = validateRule(body.rule);
  if (errors.length > 0) return ok({ valid: false, errors });
  if (typeof body.action !== 'object' || body.action === null) refuse('action', 'field required (an action)');
  const action = actionOf(body.action as Record<string, unknown>, 'submit');
  const now = core.iso();
  const candidate: Rule = {
    ...editable(body.rule as Record<string, unknown>),
    rule_id: 'rule_candidate',
    status: 'active',
    version: 0,
    created_at: now,
    updated_at: now,
  };
  const verdict = core.decide(action, [candidate]);
  return ok({
    valid: true,
    errors: [],
    decision: answerFor(core, verdict, `req_dry_${randomUUID()}`, action),
    matched_rules: verdict.matchedRules,
  });
}

export function ruleDomains(): Answer {
  return ok({ domains: EXECUTION_DOMAINS.map((domain) => ({ domain, description: DOMAIN_DESCRIPTIONS[domain] })) });
}

export function ruleVersions(core: EmulatorCore, { params }: HandlerRequest): Answer {
  const rule = ruleOf(core, params[0]);
  return ok({ rule_id: rule.rule_id, versions: core.state.ruleVersions.get(rule.rule_id) ?? [] });
}

/** Forgets remembered `Idempotency-Key` answers, all or those older than `older_than_hours`. */
export function purgeIdempotency(
  core: EmulatorCore,
  { body }: HandlerRequest,
  replays: Map<string, { at: number }>,
): Answer {
  const hours = body.older_than_hours === undefined ? 0 : Number(body.older_than_hours);
  if (!Number.isFinite(hours) || hours < 0) refuse('older_than_hours', 'must be a number >= 0');
  const cutoff = core.now() - hours * 3_600_000;
  let purged = 0;
  for (const [key, entry] of replays) {
    if (entry.at <= cutoff) {
      replays.delete(key);
      purged++;
    }
  }
  return ok({ purged });
}
