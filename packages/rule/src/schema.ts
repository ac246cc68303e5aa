import { createRequire } from 'node:module';
import type { ApprovalQuorum } from '@tollgate/core';
import type { RuleEffect } from './types.js';

/** The comparison operators a declarative condition can use. */
export const OPERATORS = [
  'eq',
  'neq',
  'in',
  'not_in',
  'gt',
  'gte',
  'lt',
  'lte',
  'matches',
  'contains',
  'starts_with',
  'exists',
] as const;

/** One of {@link OPERATORS}. */
export type Operator = (typeof OPERATORS)[number];

/** A comparison of the value at `path` (a JSON Pointer into the tool call's arguments) with `value`. */
export interface ComparisonJson {
  /** RFC 6901 JSON Pointer into the arguments: `/amount`, `/to/iban`, `/items/0`, `/a~1b` for key `a/b`. */
  path: string;
  /** How the value at `path` is compared with `value`. */
  op: Operator;
  /** The operand; its type depends on `op` (see the schema). Optional for `exists` (default `true`). */
  value?: unknown;
  /** RegExp flags for `matches`, from `i`, `m`, `s`, `u`. */
  flags?: string;
}

/** A condition on the arguments: a comparison, or `all` / `any` / `not` of conditions. */
export type ConditionJson =
  | { all: ConditionJson[] }
  | { any: ConditionJson[] }
  | { not: ConditionJson }
  | ComparisonJson;

/** Names a call's roles or scopes must (`all`), may (`any`) or must not (`none`) include. */
export interface NameSetMatchJson {
  /** The caller holds at least one of these. */
  any?: readonly string[];
  /** The caller holds every one of these. */
  all?: readonly string[];
  /** The caller holds none of these. */
  none?: readonly string[];
}

/** Which calls a rule applies to; every field given must match (AND). */
export interface MatchJson {
  /** Tool-name glob, or a list of globs of which one must match. */
  tool?: string | readonly string[];
  /** Policy action-name glob(s): the tool's mapped action (`actions`, a tool's `action`), else its name. */
  action?: string | readonly string[];
  /** Actor glob(s); a call without an actor never matches. */
  actor?: string | readonly string[];
  /** Tenant glob(s); a call without a tenant never matches. */
  tenant?: string | readonly string[];
  /** Roles the caller must, may or must not hold. */
  roles?: NameSetMatchJson;
  /** Scopes the caller must, may or must not hold. */
  scopes?: NameSetMatchJson;
}

/** One declarative rule as written in a rules file. */
export interface RuleJson {
  /** Unique within the file. */
  id: string;
  /** What the rule does to a call it matches. */
  effect: RuleEffect;
  /** snake_case reason code. */
  reason: string;
  /** For the model when this rule decides. */
  message: string;
  /** For people reading the rules. */
  description?: string;
  /** With `require_approval`: who must approve (N distinct people, optionally from a list, never the caller). */
  quorum?: ApprovalQuorum;
  /** Evaluate and record what the rule would do (`data.shadow`), never enforce it (default false). */
  shadow?: boolean;
  /** Which calls the rule applies to (default: every call). */
  match?: MatchJson;
  /** A condition on the arguments (default: always true). */
  when?: ConditionJson;
}

/** A rules file: `{ "rules": [ … ] }`. */
export interface RulesDocumentJson {
  /** Where editors find the schema, e.g. `./node_modules/@tollgate/rule/schema/rules.schema.json`. */
  $schema?: string;
  /** For people reading the file. */
  description?: string;
  /** In evaluation order. */
  rules: readonly RuleJson[];
}

// The JSON file is the one source: src/ and dist/ both sit one level below it. `require` (not a JSON import)
// because Node 20 still flags JSON modules as experimental and would warn on every start.
const require = createRequire(import.meta.url);

/**
 * The JSON Schema (draft 2020-12) of a rules file that this package publishes. The same document ships as
 * `schema/rules.schema.json` (export `@tollgate/rule/rules.schema.json`) for editors and other tools.
 * {@link loadRules} validates against it, then also rejects invalid globs, regexes and duplicate ids.
 */
export const RULES_SCHEMA: Readonly<Record<string, unknown>> = Object.freeze(
  require('../schema/rules.schema.json') as Record<string, unknown>,
);

/** The `$id` of {@link RULES_SCHEMA}: `urn:tollgate:rule:rules-schema:v1`. */
export const RULES_SCHEMA_ID = RULES_SCHEMA.$id as string;
