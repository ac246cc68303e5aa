export { compareDecimal, DECIMAL_PATTERN } from './decimal.js';
export { RuleLoadError, type RuleLoadIssue } from './errors.js';
export { globToRegExp } from './glob.js';
export { escapeJsonPointerToken, parseJsonPointer, resolveJsonPointer } from './json-pointer.js';
export { type LoadRulesOptions, loadRules, loadRulesFile } from './load.js';
export { RuleReason } from './reasons.js';
export { RuleGate } from './rule-gate.js';
export * from './schema.js';
export * from './types.js';
