import { RE2JS } from 're2js';
import { compareDecimal } from './decimal.js';
import { RuleIssue } from './issue.js';
import { parseJsonPointer, resolveJsonPointer } from './json-pointer.js';
import type { ComparisonJson, ConditionJson, Operator } from './schema.js';

/** A compiled condition: true when it holds for these arguments. Never throws. */
export type CompiledCondition = (args: unknown) => boolean;

/**
 * Compiles a schema-valid condition once: pointers are parsed and regexes built here, so a bad one is a
 * load-time {@link RuleIssue} at `at` (a JSON Pointer into the document), never a call-time error.
 *
 * Semantics: a comparison whose path does not resolve is false for every operator but `exists` (so `neq` and
 * `not_in` mean "present and different"; wrap `eq` / `in` in `not` for "absent or different"). A type
 * mismatch (e.g. `gt` on a non-numeric string, `matches` on a number) is false, never an error.
 */
export function compileCondition(condition: ConditionJson, at: string): CompiledCondition {
  if ('all' in condition) {
    const parts = condition.all.map((c, i) => compileCondition(c, `${at}/all/${i}`));
    return (args) => parts.every((p) => p(args));
  }
  if ('any' in condition) {
    const parts = condition.any.map((c, i) => compileCondition(c, `${at}/any/${i}`));
    return (args) => parts.some((p) => p(args));
  }
  if ('not' in condition) {
    const inner = compileCondition(condition.not, `${at}/not`);
    return (args) => !inner(args);
  }
  return compileComparison(condition, at);
}

function compileComparison(c: ComparisonJson, at: string): CompiledCondition {
  let tokens: string[];
  try {
    tokens = parseJsonPointer(c.path);
  } catch (err) {
    throw new RuleIssue(`${at}/path`, (err as Error).message);
  }
  const test = compileOperator(c, at);
  if (c.op === 'exists') return (args) => test(resolveJsonPointer(args, tokens));
  return (args) => {
    const actual = resolveJsonPointer(args, tokens);
    return actual !== undefined && test(actual);
  };
}

function compileOperator(c: ComparisonJson, at: string): (actual: unknown) => boolean {
  const expected = c.value;
  const op: Operator = c.op;
  switch (op) {
    case 'eq':
      return (actual) => jsonEqual(actual, expected);
    case 'neq':
      return (actual) => !jsonEqual(actual, expected);
    case 'in': {
      const list = expected as unknown[];
      return (actual) => list.some((item) => jsonEqual(actual, item));
    }
    case 'not_in': {
      const list = expected as unknown[];
      return (actual) => !list.some((item) => jsonEqual(actual, item));
    }
    case 'gt':
      return (actual) => compareDecimal(actual, expected) === 1;
    case 'gte': {
      return (actual) => {
        const order = compareDecimal(actual, expected);
        return order === 1 || order === 0;
      };
    }
    case 'lt':
      return (actual) => compareDecimal(actual, expected) === -1;
    case 'lte': {
      return (actual) => {
        const order = compareDecimal(actual, expected);
        return order === -1 || order === 0;
      };
    }
    case 'matches': {
      const regex = compileRegex(expected as string, c.flags ?? '', at);
      return (actual) => typeof actual === 'string' && regex.test(actual);
    }
    case 'contains':
      return (actual) => {
        if (typeof actual === 'string') return typeof expected === 'string' && actual.includes(expected);
        return Array.isArray(actual) && actual.some((item) => jsonEqual(item, expected));
      };
    case 'starts_with': {
      const prefix = expected as string;
      return (actual) => typeof actual === 'string' && actual.startsWith(prefix);
    }
    case 'exists': {
      const wanted = expected ?? true;
      return (actual) => (actual !== undefined) === wanted;
    }
  }
}

const RE2_FLAGS: Record<string, number> = {
  i: RE2JS.CASE_INSENSITIVE,
  m: RE2JS.MULTILINE,
  s: RE2JS.DOTALL,
  u: 0, // RE2 always matches code points
};

/**
 * A `matches` regex on RE2 (re2js), which runs in time linear in the string's length, so a model-supplied argument
 * cannot stall the process with catastrophic backtracking. JavaScript spellings RE2 lacks (`(?<name>…)`, `[^]`,
 * `\/`) are translated first; lookaround and backreferences, which need backtracking, are refused here, at load.
 */
function compileRegex(source: string, flags: string, at: string): RE2JS {
  let mask = 0;
  for (const [i, flag] of [...flags].entries()) {
    const bit = RE2_FLAGS[flag];
    if (bit === undefined || flags.indexOf(flag) !== i) {
      throw new RuleIssue(
        `${at}/flags`,
        `invalid regular expression flags "${flags}": each of i, m, s, u at most once`,
      );
    }
    mask |= bit;
  }
  try {
    return RE2JS.compile(RE2JS.translateRegExp(source), mask);
  } catch (err) {
    const why = (err as Error).message.replace(/^error parsing regexp: /, '');
    throw new RuleIssue(
      `${at}/value`,
      `invalid regular expression for RE2 (linear-time matching; no lookaround or backreferences): ${why}`,
    );
  }
}

/** Structural equality of JSON values: type-sensitive (`"1"` ≠ `1`), object key order ignored. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, i) => jsonEqual(item, other[i]));
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  return keys.length === Object.keys(y).length && keys.every((k) => Object.hasOwn(y, k) && jsonEqual(x[k], y[k]));
}
