export { compareDecimal, DECIMAL_PATTERN } from './decimal.js';
export { RuleLoadError, type RuleLoadIssue } from './errors.js';
export { compileGlob, type Glob } from './glob.js';
export { escapeJsonPointerToken, parseJsonPointer, resolveJsonPointer } from './json-pointer.js';
export { type LoadRulesOptions, loadRules, loadRulesFile } from './load.js';
export { RuleReason } from './reasons.js';
export { type RuleReferences, ruleReferences } from './references.js';
export { RuleGate, type RuleToolConfig } from './rule-gate.js';
export {
  type ComparisonJson,
  type ConditionJson,
  type MatchJson,
  type NameSetMatchJson,
  OPERATORS,
  type Operator,
  RULES_SCHEMA,
  RULES_SCHEMA_ID,
  type RuleJson,
  type RulesDocumentJson,
} from './schema.js';
export {
  type MatchedRule,
  type RequireRule,
  RULE_EFFECTS,
  type Rule,
  type RuleBase,
  type RuleCall,
  type RuleDecisionData,
  type RuleEffect,
  type RuleGateOptions,
  type RuleToolOptions,
  type ShadowRuleData,
  type WhenRule,
} from './types.js';
