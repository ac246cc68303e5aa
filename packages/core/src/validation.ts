import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import formatsPlugin from 'ajv-formats';
import { Reason } from './reasons.js';

/** Parsed arguments, or why they were refused. */
export type ParsedArguments =
  | { ok: true; args: Record<string, unknown> }
  | { ok: false; reason: typeof Reason.invalidJson | typeof Reason.invalidArguments; message: string };

/** Deeper nesting is refused before any schema sees it (a guard against stack exhaustion). */
export const MAX_ARGUMENT_DEPTH = 64;

/**
 * Turns what the model sent into an arguments object. Accepts a JSON string (Chat Completions and Responses
 * send one; an empty string means `{}`) or a value. Refuses non-objects, non-JSON values and `__proto__` keys,
 * so nothing downstream can pollute a prototype.
 */
export function parseArguments(raw: unknown): ParsedArguments {
  let value: unknown = raw;
  if (typeof raw === 'string') {
    if (raw.trim() === '') return { ok: true, args: {} };
    try {
      value = JSON.parse(raw);
    } catch (err) {
      return {
        ok: false,
        reason: Reason.invalidJson,
        message: `Arguments are not valid JSON (${(err as Error).message}). Send one JSON object.`,
      };
    }
  } else if (raw === undefined) {
    return { ok: true, args: {} };
  }
  if (!isPlainObject(value)) {
    return {
      ok: false,
      reason: Reason.invalidArguments,
      message: `Arguments must be a JSON object, got ${describe(value)}.`,
    };
  }
  // Fast pass first; paths are built only to describe a value already known to be bad.
  const problem = isJsonTree(value, 0) ? undefined : findNonJson(value, '', 0);
  if (problem) return { ok: false, reason: Reason.invalidArguments, message: `Invalid arguments: ${problem}.` };
  return { ok: true, args: value };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'a non-plain object' : `a ${typeof value}`;
}

function isJsonTree(value: unknown, depth: number): boolean {
  if (depth > MAX_ARGUMENT_DEPTH) return false;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!isJsonTree(value[i], depth + 1)) return false;
        return true;
      }
      if (!isPlainObject(value)) return false;
      for (const key in value) {
        if (key === '__proto__' || !isJsonTree((value as Record<string, unknown>)[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

function findNonJson(value: unknown, path: string, depth: number): string | undefined {
  if (depth > MAX_ARGUMENT_DEPTH) return `${path || '(root)'} is nested deeper than ${MAX_ARGUMENT_DEPTH} levels`;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${path} is not a finite number`;
    case 'object': {
      if (value === null) return undefined;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const p = findNonJson(value[i], `${path}/${i}`, depth + 1);
          if (p) return p;
        }
        return undefined;
      }
      if (!isPlainObject(value)) return `${path || '(root)'} is not a plain JSON object`;
      for (const key of Object.keys(value)) {
        if (key === '__proto__') return `${path}/__proto__ is a forbidden key`;
        const p = findNonJson(value[key], `${path}/${escapePointer(key)}`, depth + 1);
        if (p) return p;
      }
      return undefined;
    }
    default:
      return `${path || '(root)'} is a ${typeof value}, which JSON cannot hold`;
  }
}

function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Options for {@link createAjv}. */
export interface ValidatorOptions {
  /** Use this ajv instance instead (for custom keywords or formats); it should have `allErrors: true`. */
  ajv?: Ajv;
}

/**
 * ajv in strict mode (unknown keywords and formats are schema errors) collecting all errors,
 * with the standard formats (`date`, `email`, `uri`, …) from ajv-formats.
 */
export function createAjv(): Ajv {
  const ajv = new Ajv({
    strict: true,
    strictTypes: false,
    strictTuples: false,
    allowUnionTypes: true,
    allErrors: true,
  });
  formatsPlugin.default(ajv);
  return ajv;
}

/** Compiles a tool's JSON Schema once. Throws `TypeError` naming the tool when the schema itself is invalid. */
export function compileSchema(ajv: Ajv, tool: string, schema: Record<string, unknown>): ValidateFunction {
  try {
    return ajv.compile(schema);
  } catch (err) {
    throw new TypeError(`Tool "${tool}" has an invalid parameters schema: ${(err as Error).message}`);
  }
}

/** One line per failing path, e.g. `/amount: must be number; /recipient: is required`. */
export function formatSchemaErrors(errors: readonly ErrorObject[] | null | undefined): string {
  if (!errors || errors.length === 0) return 'arguments do not match the schema';
  const lines = new Set<string>();
  for (const e of errors) {
    const params = e.params as Record<string, unknown>;
    if (e.keyword === 'required') {
      lines.add(`${e.instancePath}/${String(params.missingProperty)}: is required`);
    } else if (e.keyword === 'additionalProperties') {
      lines.add(`${e.instancePath}/${String(params.additionalProperty)}: is not an allowed property`);
    } else if (e.keyword === 'enum') {
      lines.add(`${e.instancePath || '(root)'}: must be one of ${JSON.stringify(params.allowedValues)}`);
    } else {
      lines.add(`${e.instancePath || '(root)'}: ${e.message ?? e.keyword}`);
    }
  }
  return [...lines].join('; ');
}
