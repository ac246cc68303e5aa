import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import {
  type FailMode,
  type Gate,
  type GateContext,
  type GateOptions,
  type GateVerdict,
  readToolOptions,
  ToolOptionsError,
} from '@tollgate/core';
import { CedarPolicyError, type CedarProblem, problemText } from './errors.js';
import { CedarReason } from './reasons.js';

/** A Cedar entity reference: `{ type: 'User', id: 'alice' }` is `User::"alice"`. */
export interface CedarEntityRef {
  type: string;
  id: string;
}

/** Options for {@link CedarGate}. */
export interface CedarGateOptions extends GateOptions {
  /** The policies, in Cedar's policy language. A policy's `@id("…")` names it; otherwise it is `policy<i>`. */
  policies: string;
  /** The Cedar schema (Cedar schema text or its JSON form); every policy is validated against it (strict mode). */
  schema: string | Record<string, unknown>;
  /** The principal's entity type (default `User`); its id is the call's actor (`anonymous` when none). */
  principalType?: string;
  /** The action's entity type (default `Action`); its id is the tool's action name. */
  actionType?: string;
  /** Policy action names by tool name (kitelogik's `action=`); a tool's `gates.cedar.action` wins. Default: the tool name. */
  actions?: Readonly<Record<string, string>>;
  /** The resource, from the arguments (default: `Tool::"<tool name>"`). */
  resource?: (args: Record<string, unknown>, ctx: GateContext) => CedarEntityRef;
  /** The request's context (default {@link defaultCedarContext}); Cedar values only (no floats, no null). */
  context?: (ctx: GateContext, action: string) => Record<string, unknown>;
  /** Entities the policies read (attributes, parents), e.g. the principal's; default none. */
  entities?: (ctx: GateContext) => unknown[];
  /** Validate each request (principal, action, resource and context types) against the schema (default false). */
  validateRequest?: boolean;
}

/** Per-tool options: a tool's `gates.cedar` entry. */
export interface CedarToolOptions {
  /** This tool's action name. */
  action?: string;
}

/** What {@link CedarGate.check} receives per tool. */
export interface CedarToolConfig {
  action: string | undefined;
}

/** What the gate reads from a policy's annotations. */
interface PolicyNotes {
  effect: 'permit' | 'forbid';
  approval: boolean;
  reason?: string;
  message?: string;
}

const NO_TOOL: CedarToolConfig = { action: undefined };
const REASON = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * Evaluates Cedar policies in process with the official `@cedar-policy/cedar-wasm`: principal = the actor,
 * action = the tool (or its mapped action name), resource = from the arguments, context = the call context. Cedar
 * answers allow or deny; the gate adds approvals through annotations: a `permit` marked
 * `@effect("require_approval")` that allows the call sends it to a human instead. `@reason("snake_code")` and
 * `@message("…")` on the deciding policy set the decision's reason and message. Policies are parsed and
 * validated against the schema once, at construction. Stage `rule`.
 */
export class CedarGate implements Gate<CedarToolConfig, CedarToolOptions> {
  readonly name: string;
  readonly stage = 'rule' as const;
  readonly failMode: FailMode;
  readonly shadow: boolean;
  private readonly policies: Record<string, string>;
  private readonly notes: ReadonlyMap<string, PolicyNotes>;
  private readonly schema: cedar.Schema;
  private readonly options: CedarGateOptions;
  private readonly actions: ReadonlyMap<string, string>;

  /** @throws CedarPolicyError naming each problem: schema, policy syntax, schema validation, annotations */
  constructor(options: CedarGateOptions) {
    this.name = options.name ?? 'cedar';
    this.failMode = options.failMode ?? 'closed';
    this.shadow = options.shadow ?? false;
    this.options = options;
    this.actions = new Map(Object.entries(options.actions ?? {}));
    if (typeof options.policies !== 'string') throw new TypeError('CedarGate: policies must be Cedar policy text');
    this.schema = options.schema as cedar.Schema;
    const schema = cedar.checkParseSchema(this.schema);
    if (schema.type === 'failure') {
      throw new CedarPolicyError(
        'The Cedar schema does not parse',
        schema.errors.map((e) => ({ message: problemText(e) })),
      );
    }
    const parts = cedar.policySetTextToParts(options.policies);
    if (parts.type === 'failure') {
      throw new CedarPolicyError(
        'The Cedar policies do not parse',
        parts.errors.map((e) => ({ message: problemText(e) })),
      );
    }
    if (parts.policy_templates.length > 0)
      throw new CedarPolicyError('Unsupported policies', [
        { message: 'templates are not supported; use static policies' },
      ]);
    const { policies, notes, problems } = readPolicies(parts.policies);
    if (problems.length > 0) throw new CedarPolicyError('The Cedar policies have bad annotations', problems);
    this.policies = policies;
    this.notes = notes;
    const validation = cedar.validate({
      schema: this.schema,
      policies: { staticPolicies: policies },
      validationSettings: { mode: 'strict' },
    });
    if (validation.type === 'failure') {
      throw new CedarPolicyError(
        'The Cedar policies cannot be validated',
        validation.errors.map((e) => ({ message: problemText(e) })),
      );
    }
    if (validation.validationErrors.length > 0) {
      throw new CedarPolicyError(
        'The Cedar policies do not match the schema',
        validation.validationErrors.map((e) => ({ policyId: e.policyId, message: problemText(e.error) })),
      );
    }
  }

  /** @throws {ToolOptionsError} for an unknown key or an empty action */
  compileToolOptions(raw: CedarToolOptions | undefined, tool: string): CedarToolConfig {
    const site = { gate: this.name, tool };
    const options = readToolOptions(raw, site, ['action']) as CedarToolOptions | undefined;
    if (options?.action === undefined) return NO_TOOL;
    if (typeof options.action !== 'string' || options.action === '') {
      throw new ToolOptionsError(site, '/action', 'must be a non-empty string');
    }
    return { action: options.action };
  }

  /** Decides one call. Throws (so the runner applies `failMode`) when Cedar refuses the request itself. */
  check(ctx: GateContext, tool: CedarToolConfig = NO_TOOL): GateVerdict {
    const o = this.options;
    const action = tool.action ?? this.actions.get(ctx.tool) ?? ctx.tool;
    const principal = { type: o.principalType ?? 'User', id: ctx.actor ?? 'anonymous' };
    const resource = o.resource ? o.resource(ctx.args, ctx) : { type: 'Tool', id: ctx.tool };
    const context = (o.context ?? defaultCedarContext)(ctx, action);
    const call: cedar.AuthorizationCall = {
      principal,
      action: { type: o.actionType ?? 'Action', id: action },
      resource,
      context: context as cedar.Context,
      policies: { staticPolicies: this.policies },
      entities: (o.entities?.(ctx) ?? []) as cedar.Entities,
    };
    // With a schema, Cedar parses the context against it, so undeclared members (metadata) would refuse the call.
    if (o.validateRequest) Object.assign(call, { schema: this.schema, validateRequest: true });
    const answer = cedar.isAuthorized(call);
    if (answer.type === 'failure') {
      throw new Error(`Cedar refused the request: ${answer.errors.map(problemText).join('; ')}`);
    }
    const { decision, diagnostics } = answer.response;
    const determining = diagnostics.reason;
    const data: Record<string, unknown> = {
      decision,
      policies: determining,
      principal: `${principal.type}::${JSON.stringify(principal.id)}`,
      action,
      resource: `${resource.type}::${JSON.stringify(resource.id)}`,
    };
    if (diagnostics.errors.length > 0) {
      data.errors = diagnostics.errors.map((e) => ({ policyId: e.policyId, message: problemText(e.error) }));
    }
    const notes = determining.map((id) => ({ id, ...this.notes.get(id)! }));
    if (decision === 'deny') {
      const forbid = notes.find((n) => n.effect === 'forbid');
      if (!forbid) {
        return {
          outcome: 'block',
          reason: CedarReason.noPermit,
          message: `No policy permits "${action}" for this caller, so it was blocked. Do not retry; ask the user.`,
          data,
        };
      }
      return {
        outcome: 'block',
        reason: forbid.reason ?? CedarReason.denied,
        message: forbid.message ?? `A policy (${forbid.id}) forbids this call. Do not retry; tell the user.`,
        data,
      };
    }
    // Allowed: by approval-marked permits only when every permit that allowed it is one (a plain permit suffices).
    const approval = notes.length > 0 && notes.every((n) => n.approval) ? notes[0] : undefined;
    if (approval) {
      return {
        outcome: 'require_approval',
        reason: approval.reason ?? CedarReason.approvalRequired,
        message: approval.message ?? `A policy (${approval.id}) permits this call only with a human's approval.`,
        data,
      };
    }
    const by = notes[0];
    return { outcome: 'allow', reason: by?.reason ?? CedarReason.ok, data };
  }
}

/**
 * The default request context: `{ tool, args, scopes, roles, metadata }` plus `tenant` and `session` when set,
 * made into Cedar values: a number that is not a whole number in Cedar's 64-bit range becomes its decimal
 * string, `null` and `undefined` members are left out.
 */
export function defaultCedarContext(ctx: GateContext, _action: string): Record<string, unknown> {
  const context: Record<string, unknown> = {
    tool: ctx.tool,
    args: cedarValue(ctx.args),
    scopes: [...ctx.scopes],
    roles: [...ctx.roles],
    metadata: cedarValue(ctx.metadata),
  };
  if (ctx.tenant !== undefined) context.tenant = ctx.tenant;
  if (ctx.session !== undefined) context.session = ctx.session;
  return context;
}

function cedarValue(value: unknown): unknown {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : String(value);
  if (Array.isArray(value)) return value.filter((v) => v !== null && v !== undefined).map(cedarValue);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = cedarValue(v);
    return out;
  }
  return value;
}

/** Each policy by id, with the annotations the gate reads. */
function readPolicies(texts: string[]) {
  const policies: Record<string, string> = {};
  const notes = new Map<string, PolicyNotes>();
  const problems: CedarProblem[] = [];
  texts.forEach((text, i) => {
    const parsed = cedar.policyToJson(text);
    if (parsed.type === 'failure') {
      problems.push({ policyId: `policy${i}`, message: parsed.errors.map(problemText).join('; ') });
      return;
    }
    const annotations = parsed.json.annotations ?? {};
    const id = annotations.id ?? `policy${i}`;
    if (policies[id] !== undefined) problems.push({ policyId: id, message: 'two policies have this id' });
    const note: PolicyNotes = { effect: parsed.json.effect, approval: false };
    if (annotations.effect !== undefined) {
      if (annotations.effect !== 'require_approval' || note.effect !== 'permit') {
        problems.push({ policyId: id, message: '@effect takes only "require_approval", on a permit policy' });
      }
      note.approval = true;
    }
    if (annotations.reason !== undefined) {
      if (!REASON.test(annotations.reason))
        problems.push({ policyId: id, message: '@reason must be a snake_case code' });
      note.reason = annotations.reason;
    }
    if (annotations.message !== undefined) note.message = annotations.message;
    policies[id] = text;
    notes.set(id, note);
  });
  return { policies, notes, problems };
}
