import type { StandardJSONSchemaV1, StandardSchemaV1 } from '@standard-schema/spec';
import type { Ajv } from 'ajv';
import { errorText } from './errors.js';
import { compileSchema, formatSchemaErrors } from './validation.js';

/** A JSON Schema object (draft 2020-12 keywords ajv supports in strict mode). */
export type JsonSchema = Record<string, unknown>;

/**
 * What a tool's `parameters` may be: a JSON Schema, or a Standard Schema (zod 4, arktype, valibot…, see
 * standardschema.dev) whose output type becomes the handler's argument type.
 */
export type ToolParameters<Args = unknown> = JsonSchema | StandardSchemaV1<unknown, Args>;

/** A tool's arguments checked: the value the handler gets, or what is wrong, one line per path. */
export type ArgumentCheck = { ok: true; value: unknown } | { ok: false; problems: string };

/** A tool's compiled parameters: the JSON Schema the model sees and the check the runner applies. */
export interface CompiledParameters {
  /** The JSON Schema sent to the model (generated from a Standard Schema; `$schema` left out). */
  readonly jsonSchema: JsonSchema;
  /** Checks parsed arguments; synchronous for JSON Schema (ajv), possibly a promise for a Standard Schema. */
  check(args: Record<string, unknown>): ArgumentCheck | Promise<ArgumentCheck>;
}

/** True for a Standard Schema (`~standard` with a `validate` function), of any vendor. */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  const props = (value as { '~standard'?: { validate?: unknown } } | null | undefined)?.['~standard'];
  return typeof props === 'object' && props !== null && typeof props.validate === 'function';
}

/**
 * A Standard Schema with the JSON Schema the model should see, for a library that does not generate one itself
 * (valibot: `withJsonSchema(schema, toJsonSchema(schema))` with `@valibot/to-json-schema`).
 */
export function withJsonSchema<S extends StandardSchemaV1>(
  schema: S,
  jsonSchema: object,
): S & StandardJSONSchemaV1<StandardSchemaV1.InferInput<S>, StandardSchemaV1.InferOutput<S>> {
  const props = schema['~standard'];
  const converter = { input: () => jsonSchema as JsonSchema, output: () => jsonSchema as JsonSchema };
  return Object.assign(Object.create(schema) as S, {
    '~standard': { ...props, validate: props.validate.bind(props), jsonSchema: converter },
  }) as S & StandardJSONSchemaV1<StandardSchemaV1.InferInput<S>, StandardSchemaV1.InferOutput<S>>;
}

/**
 * Compiles a tool's parameters once, at `register()`: ajv for JSON Schema; the schema's own `validate` for a
 * Standard Schema, with the JSON Schema it generates (`~standard.jsonSchema.input`, draft 2020-12).
 * @throws {TypeError} naming the tool for an invalid JSON Schema, or a Standard Schema with no JSON Schema form
 */
export function compileParameters(ajv: Ajv, tool: string, parameters: unknown): CompiledParameters {
  if (!isStandardSchema(parameters)) {
    const schema = (parameters ?? { type: 'object' }) as JsonSchema;
    const validate = compileSchema(ajv, tool, schema);
    return {
      jsonSchema: schema,
      check: (args) =>
        validate(args) ? { ok: true, value: args } : { ok: false, problems: formatSchemaErrors(validate.errors) },
    };
  }
  const props = parameters['~standard'] as StandardSchemaV1.Props & Partial<StandardJSONSchemaV1.Props>;
  if (typeof props.jsonSchema?.input !== 'function') {
    throw new TypeError(
      `Tool "${tool}" has a ${props.vendor} schema that generates no JSON Schema for the model; wrap it: withJsonSchema(schema, jsonSchema)`,
    );
  }
  let generated: JsonSchema;
  try {
    generated = props.jsonSchema.input({ target: 'draft-2020-12' });
  } catch (err) {
    throw new TypeError(`Tool "${tool}": its ${props.vendor} schema has no JSON Schema form: ${errorText(err)}`, {
      cause: err,
    });
  }
  const { $schema: _dialect, ...jsonSchema } = generated;
  if (jsonSchema.type !== 'object') {
    throw new TypeError(`Tool "${tool}": its parameters must describe an object, got type ${String(jsonSchema.type)}`);
  }
  return {
    jsonSchema,
    // A schema whose own refinement throws is an invalid call, not a crash: the handler never runs.
    check: (args) => {
      let result: StandardSchemaV1.Result<unknown> | Promise<StandardSchemaV1.Result<unknown>>;
      try {
        result = props.validate(args);
      } catch (err) {
        return failed(err);
      }
      return result instanceof Promise ? result.then(outcome, failed) : outcome(result);
    },
  };
}

function failed(err: unknown): ArgumentCheck {
  return { ok: false, problems: `(root): the schema could not check them (${errorText(err)})` };
}

function outcome(result: StandardSchemaV1.Result<unknown>): ArgumentCheck {
  if (!result.issues) return { ok: true, value: result.value };
  const lines = new Set<string>();
  for (const issue of result.issues) lines.add(`${pointer(issue.path)}: ${issue.message}`);
  return { ok: false, problems: lines.size > 0 ? [...lines].join('; ') : 'arguments do not match the schema' };
}

/** An issue's path as a JSON Pointer (`/items/0/name`), `(root)` when it has none. */
function pointer(path: StandardSchemaV1.Issue['path']): string {
  if (!path || path.length === 0) return '(root)';
  return path
    .map((segment) => {
      const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
      return `/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`;
    })
    .join('');
}
