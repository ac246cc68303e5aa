import {
  type FailMode,
  type Gate,
  type GateContext,
  type GateVerdict,
  mergeQuorums,
  readToolOptions,
  ToolOptionsError,
} from '@tollgate/core';
import { RuleLoadError, type RuleLoadIssue } from './errors.js';
import { compileGlob, type Glob } from './glob.js';
import { RuleIssue } from './issue.js';
import { escapeJsonPointerToken } from './json-pointer.js';
import { loadRulesFile } from './load.js';
import { assertRule, evaluateRule } from './predicates.js';
import { RuleReason } from './reasons.js';
import {
  type MatchedRule,
  RULE_EFFECTS,
  type Rule,
  type RuleCall,
  type RuleDecisionData,
  type RuleEffect,
  type RuleGateOptions,
  type RuleToolOptions,
  type ShadowRuleData,
} from './types.js';

/** A tool's rule options once compiled at `register()` (what {@link RuleGate.check} receives). */
export interface RuleToolConfig {
  rules: readonly Rule[];
  requiredScopes: readonly string[];
  defaultEffect: RuleEffect | undefined;
  /** The tool's policy action name, when it has one. */
  action: string | undefined;
}

const NO_TOOL_OPTIONS: RuleToolConfig = { rules: [], requiredScopes: [], defaultEffect: undefined, action: undefined };

/** A rule that matched a call, with its entry in `data`. */
interface Hit {
  entry: MatchedRule;
  rule: Rule;
  shadow: boolean;
}

function firstOf(hits: readonly Hit[], effect: RuleEffect): Hit | undefined {
  return hits.find((h) => h.entry.effect === effect);
}

/**
 * The rule gate (stage `rule`). It evaluates every rule (the gate's, then the tool's) on every call and
 * decides by precedence: any `block` wins, else any `require_approval`, else any `allow`, else
 * `defaultEffect`. Before that, a tool's required scopes must all be held by the caller (`missing_scope`).
 * The decision carries the first rule of the winning effect's reason and message, and lists every rule that
 * matched in `data` ({@link RuleDecisionData}), so a block is explainable.
 *
 * Rules are pure, so a dry run gets the same answer and nothing is reserved. `check` never throws: a
 * predicate that throws or returns anything but `true` or `false` blocks with `predicate_error`.
 */
export class RuleGate implements Gate<RuleToolConfig, RuleToolOptions> {
  /** Name in decisions and in tools' `gates` options (default `rule`). */
  readonly name: string;
  /** Always `rule`: after rate and budget, before decision and audit. */
  readonly stage = 'rule' as const;
  /** Only matters for a bug in the gate itself: a predicate violation is a block whatever this says. */
  readonly failMode: FailMode;
  /** Evaluate and record, never enforce (see `GateOptions.shadow`). */
  readonly shadow: boolean;
  private readonly rules: readonly Rule[];
  private readonly ruleIds: ReadonlySet<string>;
  private readonly defaultEffect: RuleEffect;
  private readonly scopeGlobs: readonly { glob: Glob; scopes: readonly string[] }[];
  private readonly actions: ReadonlyMap<string, string>;

  /**
   * @throws RuleLoadError for a malformed rule (path `/rules/<i>/…`), a duplicate rule id, an unknown
   *   `defaultEffect` or a bad `requiredScopes` entry: configuration fails at start-up, not at call time
   */
  constructor(options: RuleGateOptions = {}) {
    this.name = options.name ?? 'rule';
    this.failMode = options.failMode ?? 'closed';
    this.shadow = options.shadow ?? false;
    const issues: RuleLoadIssue[] = [];
    const rules = Array.isArray(options.rules) ? [...options.rules] : [];
    if (options.rules !== undefined && !Array.isArray(options.rules)) {
      issues.push({ path: '/rules', message: 'must be an array of rules' });
    }
    const ids = collectIssues(issues, () => checkRules(rules, new Set()));
    this.rules = Object.freeze(rules);
    this.ruleIds = ids ?? new Set();
    this.defaultEffect = options.defaultEffect ?? 'allow';
    if (!RULE_EFFECTS.includes(this.defaultEffect)) {
      issues.push({ path: '/defaultEffect', message: `must be one of ${RULE_EFFECTS.join(', ')}` });
    }
    this.scopeGlobs = Object.entries(options.requiredScopes ?? {}).flatMap(([glob, scopes]) => {
      const at = `/requiredScopes/${escapeJsonPointerToken(glob)}`;
      const compiled = collectIssues(issues, () => {
        assertScopes(scopes, at);
        return compileGlobAt(glob, at);
      });
      return compiled ? [{ glob: compiled, scopes }] : [];
    });
    this.actions = new Map(
      Object.entries(options.actions ?? {}).filter(([tool, action]) => {
        const ok = typeof action === 'string' && action !== '';
        if (!ok)
          issues.push({ path: `/actions/${escapeJsonPointerToken(tool)}`, message: 'must be a non-empty string' });
        return ok;
      }),
    );
    if (issues.length > 0) throw new RuleLoadError(issues);
  }

  /**
   * A gate whose rules come from a rules file (see {@link loadRulesFile}), followed by `options.rules`
   * (whose error paths, `/rules/<i>`, count the file's rules first).
   * @throws RuleLoadError naming the file and the JSON Pointer of the problem
   */
  static async fromFile(path: string, options: RuleGateOptions = {}): Promise<RuleGate> {
    const rules = await loadRulesFile(path);
    return new RuleGate({ ...options, rules: [...rules, ...(options.rules ?? [])] });
  }

  /**
   * Compiles a tool's {@link RuleToolOptions} once, when it is registered.
   * @throws {ToolOptionsError} naming the tool, the gate and the JSON Pointer of the first problem
   */
  compileToolOptions(raw: RuleToolOptions | undefined, tool: string): RuleToolConfig {
    const site = { gate: this.name, tool };
    const options = readToolOptions(raw, site, ['rules', 'requiredScopes', 'defaultEffect', 'action']);
    if (options === undefined) return NO_TOOL_OPTIONS;
    const config = parseToolOptions(options as RuleToolOptions, this.ruleIds);
    if (config instanceof RuleIssue) throw new ToolOptionsError(site, config.path, config.message);
    return config;
  }

  /**
   * Decides on one call. Shadow rules ({@link RuleBase.shadow}) are evaluated with the others but decide nothing:
   * what they would have done goes to `data.shadow`.
   * @param tool the tool's options, compiled at registration by {@link compileToolOptions}
   */
  check(ctx: GateContext, tool: RuleToolConfig = NO_TOOL_OPTIONS): GateVerdict {
    const rules = tool.rules.length > 0 ? [...this.rules, ...tool.rules] : this.rules;
    const call: RuleCall = { action: tool.action ?? this.actions.get(ctx.tool) ?? ctx.tool };
    const hits: Hit[] = [];
    let shadowed = false;
    for (const rule of rules) {
      const outcome = evaluateRule(rule, ctx, call);
      if (outcome.effect === null) continue;
      const entry: MatchedRule =
        'error' in outcome
          ? { id: rule.id, effect: 'block', reason: RuleReason.predicateError, error: outcome.error }
          : { id: rule.id, effect: outcome.effect, reason: rule.reason };
      const shadow = rule.shadow === true;
      shadowed ||= shadow;
      hits.push({ entry, rule, shadow });
    }
    const enforced = shadowed ? hits.filter((h) => !h.shadow) : hits;
    const data: RuleDecisionData = { matched: enforced.map((h) => h.entry), evaluated: rules.length };
    if (call.action !== ctx.tool) data.action = call.action;
    const verdict = this.decide(ctx, tool, enforced, data);
    if (shadowed) {
      const would = this.decide(ctx, tool, hits, { matched: [], evaluated: rules.length });
      const shadow: ShadowRuleData = {
        matched: hits.filter((h) => h.shadow).map((h) => h.entry),
        outcome: would.outcome,
        reason: would.reason,
        enforced: false,
      };
      if (would.data?.decidedBy !== undefined) shadow.decidedBy = would.data.decidedBy as string;
      data.shadow = shadow;
    }
    return verdict;
  }

  /** The verdict the given matches make, by scopes, then precedence, then the default; fills `data`. */
  private decide(ctx: GateContext, tool: RuleToolConfig, hits: readonly Hit[], data: RuleDecisionData): GateVerdict {
    const required = this.requiredScopes(ctx.tool, tool);
    if (required.length > 0) {
      data.requiredScopes = required;
      const missing = required.filter((scope) => !ctx.scopes.includes(scope));
      if (missing.length > 0) {
        data.missingScopes = missing;
        return {
          outcome: 'block',
          reason: RuleReason.missingScope,
          message: `"${ctx.tool}" requires the scope${plural(required)} ${required.join(', ')}; this caller lacks ${missing.join(', ')}. Do not retry; ask the user to grant access.`,
          data,
        };
      }
    }

    const decisive = firstOf(hits, 'block') ?? firstOf(hits, 'require_approval') ?? firstOf(hits, 'allow');
    if (decisive) {
      const { entry, rule } = decisive;
      data.decidedBy = entry.id;
      const message = entry.error
        ? `The rule "${entry.id}" could not be evaluated, so the call was blocked. Retrying will not help; tell the user.`
        : rule.message;
      const verdict: GateVerdict = { outcome: entry.effect, reason: entry.reason, message, data };
      if (entry.effect === 'require_approval') {
        const quorums = hits.flatMap((h) =>
          h.entry.effect === 'require_approval' && h.rule.quorum ? [h.rule.quorum] : [],
        );
        const quorum = mergeQuorums(quorums);
        if (quorum) verdict.quorum = quorum;
      }
      return verdict;
    }

    data.defaulted = true;
    const effect = tool.defaultEffect ?? this.defaultEffect;
    return { outcome: effect, ...defaultDecision(effect, ctx.tool), data };
  }

  private requiredScopes(toolName: string, tool: RuleToolConfig): string[] {
    const scopes = new Set<string>();
    for (const { glob, scopes: list } of this.scopeGlobs) {
      if (glob.test(toolName)) for (const s of list) scopes.add(s);
    }
    for (const s of tool.requiredScopes) scopes.add(s);
    return [...scopes];
  }
}

function parseToolOptions(options: RuleToolOptions, gateIds: ReadonlySet<string>): RuleToolConfig | RuleIssue {
  try {
    const rules = options.rules ?? [];
    if (!Array.isArray(rules)) throw new RuleIssue('/rules', 'must be an array of rules');
    checkRules(rules, gateIds);
    const requiredScopes = options.requiredScopes ?? [];
    assertScopes(requiredScopes, '/requiredScopes');
    const defaultEffect = options.defaultEffect;
    if (defaultEffect !== undefined && !RULE_EFFECTS.includes(defaultEffect)) {
      throw new RuleIssue('/defaultEffect', `must be one of ${RULE_EFFECTS.join(', ')}`);
    }
    const action = options.action;
    if (action !== undefined && (typeof action !== 'string' || action === '')) {
      throw new RuleIssue('/action', 'must be a non-empty string');
    }
    return { rules: Object.freeze([...rules]), requiredScopes: [...requiredScopes], defaultEffect, action };
  } catch (err) {
    if (err instanceof RuleIssue) return err;
    return new RuleIssue('', String(err));
  }
}

/** Asserts each rule's shape and that ids are unique (also against `taken`). @returns every id */
function checkRules(rules: readonly unknown[], taken: ReadonlySet<string>): Set<string> {
  const ids = new Set<string>();
  rules.forEach((rule, i) => {
    assertRule(rule, `/rules/${i}`);
    if (ids.has(rule.id) || taken.has(rule.id)) throw new RuleIssue(`/rules/${i}/id`, `duplicate rule id "${rule.id}"`);
    ids.add(rule.id);
  });
  return ids;
}

function assertScopes(scopes: unknown, at: string): asserts scopes is readonly string[] {
  if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string' && s !== '')) {
    throw new RuleIssue(at, 'must be an array of non-empty scope names');
  }
}

function compileGlobAt(glob: string, at: string): Glob {
  try {
    return compileGlob(glob);
  } catch (err) {
    throw new RuleIssue(at, (err as Error).message);
  }
}

function collectIssues<T>(issues: RuleLoadIssue[], body: () => T): T | undefined {
  try {
    return body();
  } catch (err) {
    if (!(err instanceof RuleIssue)) throw err;
    issues.push({ path: err.path, message: err.message });
    return undefined;
  }
}

function defaultDecision(effect: RuleEffect, tool: string): { reason: string; message: string } {
  switch (effect) {
    case 'allow':
      return { reason: RuleReason.ok, message: 'No rule matched; allowed by default.' };
    case 'block':
      return {
        reason: RuleReason.noRuleMatched,
        message: `No rule allows "${tool}" for this caller, and what no rule allows is blocked. Do not retry; ask the user.`,
      };
    case 'require_approval':
      return {
        reason: RuleReason.noRuleMatched,
        message: `No rule covers "${tool}" for this caller, so it needs a human approval.`,
      };
  }
}

function plural(list: readonly unknown[]): string {
  return list.length === 1 ? '' : 's';
}
