import { readFile } from 'node:fs/promises';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { type CompiledCondition, compileCondition } from './conditions.js';
import { DECIMAL_PATTERN } from './decimal.js';
import { RuleLoadError, type RuleLoadIssue } from './errors.js';
import { RuleIssue } from './issue.js';
import { escapeJsonPointerToken } from './json-pointer.js';
import { compileMatch } from './match.js';
import { assertQuorum } from './predicates.js';
import { attachReferences } from './references.js';
import { RULES_SCHEMA, type RulesDocumentJson } from './schema.js';
import type { WhenRule } from './types.js';

/** Options for {@link loadRules}. */
export interface LoadRulesOptions {
  /** Where the document came from (a file name), put in error messages and {@link RuleLoadError.file}. */
  file?: string;
}

let validator: ValidateFunction | undefined;

/** The published schema gets its own ajv (draft 2020-12, strict), independent of the runner's tool schemas. */
function validateDocument(document: unknown): readonly ErrorObject[] {
  validator ??= new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true }).compile(
    RULES_SCHEMA,
  );
  return validator(document) ? [] : (validator.errors ?? []);
}

/**
 * Validates a parsed rules document against {@link RULES_SCHEMA} and compiles every rule (globs, JSON
 * Pointers, regexes) once, so evaluating a rule at call time cannot fail.
 * @param input the parsed JSON, `{ "rules": [ … ] }`; it is copied, so later changes to it have no effect
 * @returns one {@link WhenRule} per rule, in file order; their `when` never throws
 * @throws RuleLoadError with the JSON Pointer of the first problem (and every problem in `issues`): schema
 *   violations, invalid globs or regexes, duplicate rule ids
 */
export function loadRules(input: unknown, options: LoadRulesOptions = {}): WhenRule[] {
  // A private copy: rules compiled from it must not change if the caller later edits its object.
  let document: unknown;
  try {
    document = structuredClone(input);
  } catch (err) {
    throw new RuleLoadError([{ path: '', message: `must be plain JSON: ${(err as Error).message}` }], {
      ...options,
      cause: err,
    });
  }
  const schemaIssues = validateDocument(document).flatMap(toIssue);
  if (schemaIssues.length > 0) throw new RuleLoadError(dedupe(schemaIssues), options);
  const issues: RuleLoadIssue[] = [];
  const rules: WhenRule[] = [];
  const seen = new Set<string>();
  (document as RulesDocumentJson).rules.forEach((json, i) => {
    const at = `/rules/${i}`;
    if (seen.has(json.id)) issues.push({ path: `${at}/id`, message: `duplicate rule id "${json.id}"` });
    seen.add(json.id);
    try {
      const match = compileMatch(json.match, `${at}/match`);
      const condition: CompiledCondition = json.when ? compileCondition(json.when, `${at}/when`) : () => true;
      const rule: WhenRule = {
        id: json.id,
        effect: json.effect,
        reason: json.reason,
        message: json.message,
        // `call` may be absent when code written for the one-argument form calls `when(ctx)` itself.
        when: (ctx, call) => match(ctx, call ?? { action: ctx.tool }) && condition(ctx.args),
      };
      if (json.description !== undefined) rule.description = json.description;
      if (json.shadow === true) rule.shadow = true;
      if (json.quorum !== undefined) {
        assertQuorum(json.quorum, json.effect, `${at}/quorum`);
        rule.quorum = json.quorum;
      }
      attachReferences(rule, json);
      rules.push(Object.freeze(rule));
    } catch (err) {
      if (!(err instanceof RuleIssue)) throw err;
      issues.push({ path: err.path, message: err.message });
    }
  });
  if (issues.length > 0) throw new RuleLoadError(issues, options);
  return rules;
}

/**
 * Reads a rules file (UTF-8 JSON) and {@link loadRules loads} it.
 * @throws RuleLoadError naming the file: unreadable (path `''`), not JSON (path `''`), or invalid rules
 */
export async function loadRulesFile(path: string): Promise<WhenRule[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new RuleLoadError([{ path: '', message: `cannot read the file: ${(err as Error).message}` }], {
      file: path,
      cause: err,
    });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new RuleLoadError([{ path: '', message: `not valid JSON: ${(err as Error).message}` }], {
      file: path,
      cause: err,
    });
  }
  return loadRules(document, { file: path });
}

/** One issue per ajv error, pointing at the offending property itself where ajv points at its parent. */
function toIssue(error: ErrorObject): RuleLoadIssue[] {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'if':
      // The failing branch of the `then` reports its own, more precise error.
      return [];
    case 'required':
      return [{ path: child(error.instancePath, params.missingProperty), message: 'is required' }];
    case 'additionalProperties':
      return [{ path: child(error.instancePath, params.additionalProperty), message: 'is not an allowed property' }];
    case 'enum':
      return [
        {
          path: error.instancePath,
          message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
        },
      ];
    case 'const':
      return [{ path: error.instancePath, message: `must be ${JSON.stringify(params.allowedValue)}` }];
    case 'type':
      return [{ path: error.instancePath, message: `must be of type ${String(params.type).replace(',', ' or ')}` }];
    case 'pattern':
      return [{ path: error.instancePath, message: patternMessage(error.instancePath, String(params.pattern)) }];
    default:
      return [{ path: error.instancePath, message: error.message ?? error.keyword }];
  }
}

function patternMessage(path: string, pattern: string): string {
  if (pattern === DECIMAL_PATTERN) return 'must be a number or a decimal string such as "12.50"';
  if (path.endsWith('/path')) return 'must be a JSON Pointer: "" or "/key/0/…", with "~" only as ~0 or ~1';
  if (path.endsWith('/reason')) return 'must be a snake_case code such as "amount_over_limit"';
  return `must match ${pattern}`;
}

function child(path: string, key: unknown): string {
  return `${path}/${escapeJsonPointerToken(String(key))}`;
}

function dedupe(issues: RuleLoadIssue[]): RuleLoadIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
