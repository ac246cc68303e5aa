import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import formatsPlugin from 'ajv-formats';
import { errorText } from './errors.js';
import { Reason } from './reasons.js';

/** Parsed arguments, or why they were refused. */
export type ParsedArguments =
  | { ok: true; args: Record<string, unknown> }
  | { ok: false; reason: typeof Reason.invalidJson | typeof Reason.invalidArguments; message: string };

/** Deeper nesting is refused before any schema sees it (a guard against stack exhaustion). */
export const MAX_ARGUMENT_DEPTH = 64;

/**
 * Turns what the model sent into an arguments object. Accepts a JSON string (Chat Completions and Responses
 * send one; an empty string means `{}`) or a value. A value is copied into a fresh plain-JSON object, reading
 * each property once, so what a handler receives is exactly what was validated: a getter, a Proxy or a caller
 * that mutates its object after `call()` cannot slip anything past the schema. Refuses non-objects, non-JSON
 * values, nesting deeper than {@link MAX_ARGUMENT_DEPTH} and `__proto__` keys, so nothing downstream can
 * pollute a prototype.
 */
export function parseArguments(raw: unknown): ParsedArguments {
  if (raw === undefined) return { ok: true, args: {} };
  if (typeof raw !== 'string') return copyArguments(raw);
  if (raw.trim() === '') return { ok: true, args: {} };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    return {
      ok: false,
      reason: Reason.invalidJson,
      message: `Arguments are not valid JSON (${errorText(err)}). Send one JSON object.`,
    };
  }
  if (!isPlainObject(value)) return notAnObject(value);
  // JSON.parse builds fresh plain values; only depth and `__proto__` keys remain to check. Fast pass first;
  // paths are built only to describe a value already known to be bad.
  if (!isJsonTree(value, 0)) {
    let problem = 'it is not plain JSON';
    try {
      copyJson(value, '', 0);
    } catch (err) {
      if (err instanceof JsonProblem) problem = err.message;
    }
    return invalid(problem);
  }
  return { ok: true, args: value };
}

function copyArguments(raw: unknown): ParsedArguments {
  try {
    if (!isPlainObject(raw)) return notAnObject(raw);
    return { ok: true, args: copyJson(raw, '', 0) as Record<string, unknown> };
  } catch (err) {
    if (err instanceof JsonProblem) return invalid(err.message);
    return invalid(`they could not be read (${errorText(err)})`);
  }
}

function notAnObject(value: unknown): ParsedArguments {
  return {
    ok: false,
    reason: Reason.invalidArguments,
    message: `Arguments must be a JSON object, got ${describe(value)}.`,
  };
}

function invalid(problem: string): ParsedArguments {
  return { ok: false, reason: Reason.invalidArguments, message: `Invalid arguments: ${problem}.` };
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
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!isJsonTree(value[i], depth + 1)) return false;
    return true;
  }
  for (const key in value) {
    if (key === '__proto__' || !isJsonTree((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

/** Why a value is not plain JSON, with the JSON Pointer of the first problem. */
class JsonProblem extends Error {}

/** A fresh plain-JSON copy of `value`, each property read once; throws {@link JsonProblem}. */
function copyJson(value: unknown, path: string, depth: number): unknown {
  if (depth > MAX_ARGUMENT_DEPTH) {
    throw new JsonProblem(`${path || '(root)'} is nested deeper than ${MAX_ARGUMENT_DEPTH} levels`);
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new JsonProblem(`${path} is not a finite number`);
      return value;
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) {
        const length = value.length;
        const out = new Array<unknown>(length);
        for (let i = 0; i < length; i++) out[i] = copyJson(value[i], `${path}/${i}`, depth + 1);
        return out;
      }
      if (!isPlainObject(value)) throw new JsonProblem(`${path || '(root)'} is not a plain JSON object`);
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        if (key === '__proto__') throw new JsonProblem(`${path}/__proto__ is a forbidden key`);
        out[key] = copyJson(value[key], `${path}/${escapePointer(key)}`, depth + 1);
      }
      return out;
    }
    default:
      throw new JsonProblem(`${path || '(root)'} is a ${typeof value}, which JSON cannot hold`);
  }
}

function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
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
    throw new TypeError(`Tool "${tool}" has an invalid parameters schema: ${errorText(err)}`, { cause: err });
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
