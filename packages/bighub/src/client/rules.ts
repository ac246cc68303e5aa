import type { JsonPatchOperation } from './actions.js';
import { listOf } from './list.js';
import { path, type Transport } from './transport.js';
import type { BighubDecision, ExecutionDomain, RequestOptions, SubmitActionRequest } from './types.js';

/**
 * Body of `POST /rules` (the seed's `RuleCreateModel`). A rule applies to the actions of its domain (and, with
 * `actions`, only to those names); its limits are compared with the action's `value`.
 */
export interface RuleCreate {
  /** A name for humans, e.g. `Pricing Safety Rule`. */
  name: string;
  /** The execution domain whose actions the rule governs. */
  domain: ExecutionDomain;
  /** What the rule is for. */
  description?: string;
  /** Only these action names (default: every action of the domain). */
  actions?: string[];
  /** A `value` above this is blocked (`blocked_by: max_value`). */
  max_value?: number;
  /** A `value` above this needs a human approval. */
  require_approval_above?: number;
  /** At most this many recorded actions per rolling 24 h; more are blocked (`blocked_by: max_per_day`). */
  max_per_day?: number;
  /** Labels, e.g. `["ops", "financial"]`. */
  tags?: string[];
  /** Free-form. */
  metadata?: Record<string, unknown>;
}

/** Body of `PATCH /rules/{rule_id}` (the seed's `RuleUpdateModel`): only the fields given change. */
export type RuleUpdate = Partial<RuleCreate>;

/** A rule as BIGHUB keeps it. */
export interface Rule extends RuleCreate {
  rule_id: string;
  /** `active` rules decide; `paused` ones are kept but ignored. */
  status: 'active' | 'paused';
  /** Rises by one with every change (update, patch, pause, resume): the value for `ifMatchVersion`. */
  version: number;
  /** ISO 8601. */
  created_at: string;
  /** ISO 8601. */
  updated_at: string;
  [key: string]: unknown;
}

/** Query of `GET /rules`. */
export interface RuleListQuery {
  /** Only this domain. */
  domain?: ExecutionDomain;
  /** Only `active` or only `paused` rules. */
  status?: 'active' | 'paused';
  /** At most this many. */
  limit?: number;
}

/** Options of {@link RulesApi.applyPatch}. */
export interface ApplyPatchOptions {
  /** Compute the result without applying it (default false). */
  preview?: boolean;
  /**
   * Optimistic locking: apply only if the rule is still at this version (a preview's `after.version`), else BIGHUB
   * answers 409 and the client throws `BighubConflictError` (never retried).
   */
  ifMatchVersion?: number;
}

/** Answer of `POST /rules/{rule_id}/apply_patch`. */
export interface RulePatchResult {
  rule_id: string;
  /** True for a preview: nothing changed. */
  preview: boolean;
  /** True once applied. */
  applied: boolean;
  /** The rule before the patch. */
  before: Rule;
  /** The rule after the patch; in a preview its `version` is still the current one (pass it as `ifMatchVersion`). */
  after: Rule;
  /** True when the patch loosens the rule (raises or removes a limit). */
  risk_increasing: boolean;
  [key: string]: unknown;
}

/** Answer of `POST /rules/dry-run`: what the active rules make of an action, recording nothing. */
export interface RuleDryRun {
  /** The decision the action would get. */
  decision: BighubDecision;
  /** The ids of the rules that apply to it. */
  matched_rules: string[];
  [key: string]: unknown;
}

/** Answer of `POST /rules/validate`. */
export interface RuleValidation {
  valid: boolean;
  /** What is wrong, field by field. */
  errors: { field: string; message: string }[];
  [key: string]: unknown;
}

/** Answer of `POST /rules/validate/dry-run`: a candidate rule's validation and what it would decide for an action. */
export interface RuleValidateDryRun extends RuleValidation {
  /** The decision the action would get with the candidate added (absent when the rule is invalid). */
  decision?: BighubDecision;
}

/** One of BIGHUB's execution domains, as `GET /rules/domains` describes it. */
export interface RuleDomain {
  domain: ExecutionDomain;
  description: string;
  [key: string]: unknown;
}

/** One version of a rule, as `GET /rules/{rule_id}/versions` lists it. */
export interface RuleVersion {
  version: number;
  /** `created`, `updated`, `patch_applied`, `paused` or `resumed`. */
  change: string;
  /** ISO 8601. */
  changed_at: string;
  /** The rule as it was at this version. */
  rule: Rule;
  [key: string]: unknown;
}

/** `client.rules`: the policies BIGHUB decides with, versioned, with previewed JSON Patch and optimistic locking. */
export class RulesApi {
  constructor(private readonly http: Transport) {}

  /** `POST /rules`: creates a rule (version 1, active); decisions use it at once. */
  create(rule: RuleCreate, options?: RequestOptions): Promise<Rule> {
    return this.http.send({ method: 'POST', path: '/rules', body: rule }, options);
  }

  /** `GET /rules`. Accepts a bare array or `{rules: […]}`. */
  async list(query: RuleListQuery = {}, options?: RequestOptions): Promise<Rule[]> {
    return listOf(await this.http.send({ method: 'GET', path: '/rules', query: { ...query } }, options), 'rules');
  }

  /** `GET /rules/{rule_id}`. */
  get(ruleId: string, options?: RequestOptions): Promise<Rule> {
    return this.http.send({ method: 'GET', path: path`/rules/${ruleId}` }, options);
  }

  /** `PATCH /rules/{rule_id}`: changes the fields given; the version rises by one. */
  update(ruleId: string, update: RuleUpdate, options?: RequestOptions): Promise<Rule> {
    return this.http.send({ method: 'PATCH', path: path`/rules/${ruleId}`, body: update }, options);
  }

  /** `DELETE /rules/{rule_id}`. */
  delete(ruleId: string, options?: RequestOptions): Promise<Record<string, unknown>> {
    return this.http.send({ method: 'DELETE', path: path`/rules/${ruleId}` }, options);
  }

  /** `POST /rules/{rule_id}/pause`: the rule stops deciding until resumed. */
  pause(ruleId: string, options?: RequestOptions): Promise<Rule> {
    return this.http.send({ method: 'POST', path: path`/rules/${ruleId}/pause` }, options);
  }

  /** `POST /rules/{rule_id}/resume`. */
  resume(ruleId: string, options?: RequestOptions): Promise<Rule> {
    return this.http.send({ method: 'POST', path: path`/rules/${ruleId}/resume` }, options);
  }

  /**
   * `POST /rules/{rule_id}/apply_patch`: an RFC 6902 JSON Patch on the rule, all operations or none. Preview first,
   * then apply with `ifMatchVersion: preview.after.version`, so a rule changed in between is refused with
   * `BighubConflictError` instead of being overwritten (the seed's preview-first, optimistic-locking workflow).
   * @throws BighubConflictError when the rule is no longer at `ifMatchVersion`
   * @throws BighubValidationError when an operation fails or the patched rule is invalid
   */
  applyPatch(
    ruleId: string,
    patch: JsonPatchOperation[],
    patchOptions: ApplyPatchOptions = {},
    options?: RequestOptions,
  ): Promise<RulePatchResult> {
    const body = { patch, preview: patchOptions.preview ?? false, if_match_version: patchOptions.ifMatchVersion };
    return this.http.send(
      {
        method: 'POST',
        path: path`/rules/${ruleId}/apply_patch`,
        body,
        readOnly: body.preview,
        conflictIsFinal: patchOptions.ifMatchVersion !== undefined,
      },
      options,
    );
  }

  /** `POST /rules/dry-run`: what the active rules make of an action; records nothing. */
  dryRun(action: SubmitActionRequest, options?: RequestOptions): Promise<RuleDryRun> {
    return this.http.send({ method: 'POST', path: '/rules/dry-run', body: action, readOnly: true }, options);
  }

  /** `POST /rules/validate`: checks a candidate rule without creating it. */
  validate(rule: RuleCreate, options?: RequestOptions): Promise<RuleValidation> {
    return this.http.send({ method: 'POST', path: '/rules/validate', body: rule, readOnly: true }, options);
  }

  /** `POST /rules/validate/dry-run`: validates a candidate rule and shows what it would decide for `action`. */
  validateDryRun(rule: RuleCreate, action: SubmitActionRequest, options?: RequestOptions): Promise<RuleValidateDryRun> {
    return this.http.send(
      { method: 'POST', path: '/rules/validate/dry-run', body: { rule, action }, readOnly: true },
      options,
    );
  }

  /** `GET /rules/domains`: the execution domains rules can govern. Accepts a bare array or `{domains: […]}`. */
  async domains(options?: RequestOptions): Promise<RuleDomain[]> {
    return listOf(await this.http.send({ method: 'GET', path: '/rules/domains' }, options), 'domains');
  }

  /** `GET /rules/{rule_id}/versions`: every version, oldest first. */
  async versions(ruleId: string, options?: RequestOptions): Promise<RuleVersion[]> {
    return listOf(await this.http.send({ method: 'GET', path: path`/rules/${ruleId}/versions` }, options), 'versions');
  }

  /**
   * `POST /rules/idempotency/purge`: forgets stored `Idempotency-Key` answers (all, or those older than
   * `olderThanHours`), so a key can be used again (admin).
   */
  purgeIdempotency(query: { olderThanHours?: number } = {}, options?: RequestOptions): Promise<{ purged: number }> {
    const body = query.olderThanHours === undefined ? {} : { older_than_hours: query.olderThanHours };
    return this.http.send({ method: 'POST', path: '/rules/idempotency/purge', body }, options);
  }
}
