/** Stable reason codes the rule gate itself produces; matching rules bring their own codes. */
export const RuleReason = {
  /** No rule matched and the default effect is `allow`. */
  ok: 'ok',
  /** No rule matched and the default effect is `block` or `require_approval`. */
  noRuleMatched: 'no_rule_matched',
  /** The tool requires scopes the caller does not hold. */
  missingScope: 'missing_scope',
  /** A predicate threw or returned something other than `true` or `false` (a Promise, `1`, `'yes'`…). */
  predicateError: 'predicate_error',
} as const;
