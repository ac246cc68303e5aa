import type { ApprovalQuorum, GateContext, GateOptions } from '@tollgate/core';

/** What a matching rule does to the call. Precedence: `block` beats `require_approval`, which beats `allow`. */
export type RuleEffect = 'allow' | 'block' | 'require_approval';

/** The effects, weakest first: a later one wins over an earlier one. */
export const RULE_EFFECTS: readonly RuleEffect[] = ['allow', 'require_approval', 'block'];

/** What every rule carries, whichever kind it is. */
export interface RuleBase {
  /** Unique within a gate (and its per-tool rules); listed in `data.matched` when the rule matches. */
  id: string;
  /** Stable machine code the decision carries when this rule decides (snake_case, e.g. `amount_over_limit`). */
  reason: string;
  /** For the model when this rule decides: what happened and what it can do instead. */
  message: string;
  /** For people reading the rules; never shown to the model. */
  description?: string;
  /**
   * With effect `require_approval`: who must approve, e.g. `{ required: 2 }` for two people, never the call's
   * actor. Several matching rules with a quorum ask for the strictest of them (core's `mergeQuorums`).
   */
  quorum?: ApprovalQuorum;
}

/**
 * A rule whose `effect` applies when `when(ctx)` returns exactly `true`; `false` means the rule does not
 * match. Rules loaded from JSON ({@link loadRules}) are `WhenRule`s whose `when` never throws.
 *
 * `when` must be synchronous and pure. A Promise (any thenable), a throw or any value other than `true` or
 * `false` is a violation: the call is blocked with `predicate_error`, never allowed (rulegate's flaw was that
 * an un-awaited coroutine, being truthy, allowed the call).
 */
export interface WhenRule extends RuleBase {
  /** Applies when {@link WhenRule.when} returns `true`. */
  effect: RuleEffect;
  /** Whether the rule applies to this call; must return exactly `true` or `false`. */
  when(ctx: GateContext): boolean;
}

/**
 * A rule that must hold: when `require(ctx)` returns `false` the call is blocked with this rule's reason and
 * message; `true` means nothing (it never allows by itself, so it cannot open a default-deny gate).
 * Violations (Promise, throw, non-boolean) block with `predicate_error`, as for {@link WhenRule}.
 */
export interface RequireRule extends RuleBase {
  /** Must return `true` for the call to go on; `false` blocks. */
  require(ctx: GateContext): boolean;
}

/** A rule the gate evaluates: a predicate in code, or a rule loaded from JSON. */
export type Rule = WhenRule | RequireRule;

/** One rule that matched a call, as listed in {@link RuleDecisionData.matched}. */
export interface MatchedRule {
  /** The rule's id. */
  id: string;
  /** The effect the match had (`block` for a failed `require` and for a violation). */
  effect: RuleEffect;
  /** The rule's reason code, or `predicate_error` for a violation. */
  reason: string;
  /** What went wrong, for a predicate that threw or returned something other than `true` or `false`. */
  error?: string;
}

/** The `data` of every decision the rule gate takes: enough to explain it. (A type, so it is a `GateDecision['data']`.) */
export type RuleDecisionData = {
  /** Every rule that matched, in evaluation order (gate rules, then the tool's rules). */
  matched: MatchedRule[];
  /** How many rules were evaluated (all of them: evaluation never stops early, so `matched` is complete). */
  evaluated: number;
  /** Id of the rule whose reason and message the decision carries; absent when the default or a scope decided. */
  decidedBy?: string;
  /** True when no rule matched and `defaultEffect` decided. */
  defaulted?: boolean;
  /** Scopes the tool requires, when it requires any. */
  requiredScopes?: string[];
  /** Required scopes the caller does not hold (the call is then blocked with `missing_scope`). */
  missingScopes?: string[];
};

/** Options for {@link RuleGate}. */
export interface RuleGateOptions extends GateOptions {
  /** Rules in evaluation order: predicates in code and rules from {@link loadRules}. */
  rules?: readonly Rule[];
  /**
   * The effect when no rule matched: `allow` (default), `block` (default-deny: only allow rules let calls
   * through) or `require_approval` (kitelogik's "unmatched → human in the loop").
   */
  defaultEffect?: RuleEffect;
  /**
   * Scopes tools require, keyed by tool-name glob (`payments.*`); every matching key adds its scopes. A caller
   * without all of them is blocked with `missing_scope` (kitelogik's `session_scopes`).
   */
  requiredScopes?: Readonly<Record<string, readonly string[]>>;
}

/** Per-tool options: a tool definition's `gates.rule` (or `gates[<gate name>]`) entry. */
export interface RuleToolOptions {
  /** Rules for this tool only, evaluated after the gate's rules. */
  rules?: readonly Rule[];
  /** Scopes this tool requires, added to those the gate's `requiredScopes` gives it. */
  requiredScopes?: readonly string[];
  /** Overrides the gate's `defaultEffect` for this tool (e.g. default-deny on money movers only). */
  defaultEffect?: RuleEffect;
}
