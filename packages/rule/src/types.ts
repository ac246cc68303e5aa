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
  /**
   * Evaluate and record, never enforce: a matching shadow rule is listed in `data.shadow` with what the gate
   * would have decided had it been enforced (`enforced: false`), but the enforced rules alone decide the call
   * (actiongate's SOFT policies, per rule). Roll a rule out by watching what it would do.
   */
  shadow?: boolean;
}

/** What a rule sees besides the gate context. */
export interface RuleCall {
  /**
   * The policy action name of the call: the tool's mapped action ({@link RuleToolOptions.action},
   * {@link RuleGateOptions.actions}; kitelogik's `register(…, action=)`), else the tool name.
   */
  readonly action: string;
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
  when(ctx: GateContext, call: RuleCall): boolean;
}

/**
 * A rule that must hold: when `require(ctx)` returns `false` the call is blocked with this rule's reason and
 * message; `true` means nothing (it never allows by itself, so it cannot open a default-deny gate).
 * Violations (Promise, throw, non-boolean) block with `predicate_error`, as for {@link WhenRule}.
 */
export interface RequireRule extends RuleBase {
  /** Must return `true` for the call to go on; `false` blocks. */
  require(ctx: GateContext, call: RuleCall): boolean;
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
  /** The call's policy action name, when it differs from the tool name ({@link RuleCall.action}). */
  action?: string;
  /** Present when a shadow rule matched: what it would have done. Never changes the decision itself. */
  shadow?: ShadowRuleData;
};

/** What the shadow rules that matched a call would have done ({@link RuleBase.shadow}). */
export type ShadowRuleData = {
  /** Every shadow rule that matched, in evaluation order. */
  matched: MatchedRule[];
  /** The gate's outcome had its shadow rules been enforced too (scopes and the default as usual). */
  outcome: RuleEffect;
  /** That outcome's reason code. */
  reason: string;
  /** The rule that outcome's reason comes from; absent when the default decided. */
  decidedBy?: string;
  /** Always `false`: recorded, not enforced (as core's `GateDecision.enforced`). */
  enforced: false;
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
  /**
   * Policy action names by tool name, for rules written against names that differ from the tools' (kitelogik's
   * `action=`): JSON rules match them with `match.action`, predicates read `call.action`. A tool's own
   * {@link RuleToolOptions.action} wins. Unmapped tools' action is their name.
   */
  actions?: Readonly<Record<string, string>>;
}

/** Per-tool options: a tool definition's `gates.rule` (or `gates[<gate name>]`) entry. */
export interface RuleToolOptions {
  /** Rules for this tool only, evaluated after the gate's rules. */
  rules?: readonly Rule[];
  /** Scopes this tool requires, added to those the gate's `requiredScopes` gives it. */
  requiredScopes?: readonly string[];
  /** Overrides the gate's `defaultEffect` for this tool (e.g. default-deny on money movers only). */
  defaultEffect?: RuleEffect;
  /** This tool's policy action name (see {@link RuleGateOptions.actions}). */
  action?: string;
}
