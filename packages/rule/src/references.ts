import { parseJsonPointer } from './json-pointer.js';
import type { ConditionJson, RuleJson } from './schema.js';
import type { Rule } from './types.js';

/** What a rule loaded from JSON names, so tools can check it against the tools it will meet. */
export interface RuleReferences {
  /** The rule's id. */
  id: string;
  /** The tool-name globs of its `match.tool`; absent when the rule applies to every tool. */
  tools?: readonly string[];
  /** The argument paths its `when` reads, as JSON Pointer tokens (`/to/iban` → `['to', 'iban']`), in document order. */
  paths: readonly (readonly string[])[];
}

// A registered symbol, not a module-local WeakMap: a policy and the tool reading it may load two copies of this
// package (a global CLI and a project's node_modules), and both must see what a rule names.
const REFERENCES = Symbol.for('@tollgate/rule.references');

/** Attaches what a JSON rule names to its compiled rule (before the rule is frozen). */
export function attachReferences(rule: Rule, json: RuleJson): void {
  const paths: string[][] = [];
  if (json.when) collectPaths(json.when, paths);
  const references: RuleReferences = { id: json.id, paths };
  if (json.match?.tool !== undefined) {
    references.tools = typeof json.match.tool === 'string' ? [json.match.tool] : [...json.match.tool];
  }
  Object.defineProperty(rule, REFERENCES, { value: Object.freeze(references) });
}

function collectPaths(condition: ConditionJson, into: string[][]): void {
  if ('all' in condition) for (const c of condition.all) collectPaths(c, into);
  else if ('any' in condition) for (const c of condition.any) collectPaths(c, into);
  else if ('not' in condition) collectPaths(condition.not, into);
  else into.push(parseJsonPointer(condition.path));
}

/**
 * The tools and argument paths named by rules loaded with {@link loadRules} (or a rules file), for rules given
 * as a list or as a rule gate's own rules. Predicates in code name nothing that can be read, so they are left
 * out. `tollgate replay` uses it to report, at load time, a rule whose `match.tool` names no registered tool or
 * whose path no tool's schema has: such a rule never fires.
 */
export function ruleReferences(source: readonly Rule[] | { readonly stage: string }): RuleReferences[] {
  const rules = 'stage' in source ? gateRules(source) : source;
  return rules.flatMap((rule) => {
    const references = (rule as { [REFERENCES]?: RuleReferences })[REFERENCES];
    return references ? [references] : [];
  });
}

/** A rule gate's own rules (any copy of this package's `RuleGate`); none for any other gate. */
function gateRules(gate: { readonly stage: string }): readonly Rule[] {
  const rules = gate.stage === 'rule' ? (gate as unknown as { rules?: unknown }).rules : undefined;
  return Array.isArray(rules) ? rules : [];
}
