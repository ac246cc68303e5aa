import type { Gate } from '@tollgate/core';
import { compileGlob, escapeJsonPointerToken, type RuleReferences, ruleReferences } from '@tollgate/rule';
import type { ToolSchema } from '../tools/normalize.js';
import { isObject } from '../trace/format.js';
import type { ToolGates } from './define.js';

/** A policy's gates as `gates()` made them, in one shape. */
export interface MadeGates {
  gates: readonly Gate[];
  tools: Record<string, ToolGates>;
}

/**
 * What in a policy can never apply, found before anything is replayed: per-tool options or gates for a tool the
 * policy does not register, and JSON rules (from `@tollgate/rule`'s `loadRules`) whose `match.tool` matches no
 * registered tool or whose condition reads an argument path that no schema of the tools it applies to has. A
 * misspelt `send_mail` or `/hotel_name` would otherwise load silently and never fire. Paths are checked against
 * declared `properties` (through `$ref`, `allOf`/`anyOf`/`oneOf` and array `items`); a schema that declares no
 * properties, or allows others, admits any path. Rules in code are opaque and not checked.
 * @returns one message per problem, each naming where it is
 */
export function policyProblems(
  tools: readonly ToolSchema[],
  toolOptions: Record<string, Record<string, unknown>> | undefined,
  made: MadeGates,
): string[] {
  const schemas = new Map(tools.map((t) => [t.name, t.parameters]));
  const names = [...schemas.keys()];
  const problems: string[] = [];
  for (const [where, byTool] of [
    ['toolOptions', toolOptions ?? {}],
    ['gates().tools', made.tools],
  ] as const) {
    for (const tool of Object.keys(byTool)) {
      if (!schemas.has(tool)) problems.push(`${where}.${tool}: no tool "${tool}" is registered, so these never apply`);
    }
  }
  const check = (references: RuleReferences[], where: string, scope: readonly string[]) => {
    for (const ref of references) problems.push(...ruleProblems(ref, `${where} rule "${ref.id}"`, scope, schemas));
  };
  for (const gate of made.gates) check(ruleReferences(gate), `gate "${gate.name}":`, names);
  for (const name of names) {
    const parts = made.tools[name];
    for (const gate of parts?.use ?? []) check(ruleReferences(gate), `tool "${name}", gate "${gate.name}":`, [name]);
    // A tool's own rules, given as its options for a rule gate (toolOptions, or the gates() tools' `gates`).
    const options = { ...toolOptions?.[name], ...parts?.gates };
    for (const gate of [...made.gates, ...(parts?.use ?? [])]) {
      const own = options[gate.name];
      if (gate.stage !== 'rule' || !isObject(own) || !Array.isArray(own.rules)) continue;
      check(ruleReferences(own.rules), `tool "${name}", gates.${gate.name}:`, [name]);
    }
  }
  return problems;
}

function ruleProblems(
  ref: RuleReferences,
  where: string,
  scope: readonly string[],
  schemas: ReadonlyMap<string, Record<string, unknown>>,
): string[] {
  let applies = scope;
  if (ref.tools) {
    const globs = ref.tools.map((glob) => compileGlob(glob));
    applies = scope.filter((name) => globs.some((glob) => glob.test(name)));
    if (applies.length === 0) {
      const among = scope.length === 1 ? `it is given to ("${scope[0]}")` : 'the policy registers';
      return [
        `${where} match.tool ${ref.tools.map((t) => `"${t}"`).join(', ')} matches no tool ${among}; it never fires`,
      ];
    }
  }
  return ref.paths
    .filter((tokens) => !applies.some((name) => schemaHas(schemas.get(name)!, tokens)))
    .map((tokens) => {
      const pointer = tokens.map((t) => `/${escapeJsonPointerToken(t)}`).join('');
      const tools = applies.length > 3 ? `${applies.slice(0, 3).join(', ')}, …` : applies.join(', ');
      return `${where} reads the argument ${pointer}, which no schema of the tools it applies to has (${tools})`;
    });
}

/** Whether a value valid against `schema` may hold something at `tokens` (a parsed JSON Pointer). */
function schemaHas(schema: unknown, tokens: readonly string[], root: unknown = schema, depth = 0): boolean {
  if (schema === true || tokens.length === 0) return true;
  if (!isObject(schema) || depth > 32) return schema !== false;
  if (typeof schema.$ref === 'string') {
    const target = localRef(root, schema.$ref);
    // A reference we cannot follow (another document) could hold anything.
    if (target === undefined || schemaHas(target, tokens, root, depth + 1)) return true;
  }
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    const branches = schema[key];
    if (Array.isArray(branches) && branches.some((b) => schemaHas(b, tokens, root, depth + 1))) return true;
  }
  const [head, ...rest] = tokens as [string, ...string[]];
  const properties = isObject(schema.properties) ? schema.properties : undefined;
  if (properties && Object.hasOwn(properties, head)) return schemaHas(properties[head], rest, root, depth + 1);
  if (isObject(schema.patternProperties)) {
    for (const [pattern, sub] of Object.entries(schema.patternProperties)) {
      if (safeTest(pattern, head) && schemaHas(sub, rest, root, depth + 1)) return true;
    }
  }
  const additional = schema.additionalProperties;
  if (additional !== undefined && additional !== false) return schemaHas(additional, rest, root, depth + 1);
  if (/^(0|[1-9]\d*)$/.test(head) && (schema.items !== undefined || schema.prefixItems !== undefined)) {
    const tuple = Array.isArray(schema.prefixItems) ? schema.prefixItems : undefined;
    const item = tuple?.[Number(head)] ?? (Array.isArray(schema.items) ? schema.items[Number(head)] : schema.items);
    return item === undefined ? true : schemaHas(item, rest, root, depth + 1);
  }
  // Nothing declared at this level (no properties, no items): the schema does not say, so any path may exist.
  return !properties && !isObject(schema.patternProperties) && schema.items === undefined && schema.$ref === undefined;
}

function localRef(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const token = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    if (!isObject(node) || !Object.hasOwn(node, token)) return undefined;
    node = node[token];
  }
  return node;
}

function safeTest(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(value);
  } catch {
    return true;
  }
}
