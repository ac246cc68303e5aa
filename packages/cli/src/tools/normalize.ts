import { isObject } from '../trace/format.js';

/** A tool's name, description and JSON Schema of its arguments, whatever format it was written in. */
export interface ToolSchema {
  /** Tool name, as the model calls it. */
  name: string;
  /** What the tool does, for the model. */
  description?: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

/**
 * A tool schema in any of the formats tollgate reads: Chat Completions' function tool
 * `{type: 'function', function: {name, description, parameters}}`, the Responses API's flat
 * `{type: 'function', name, description, parameters}`, or a plain `{name, description?, parameters}`.
 */
export type ToolSpec = ToolSchema | { type: 'function'; function: ToolSchema } | ({ type: 'function' } & ToolSchema);

/**
 * Reads a list of tool schemas: an array of {@link ToolSpec}, or a `{ toolName: parametersSchema }` map.
 * Throws `TypeError` naming the first entry that is none of these.
 */
export function normalizeTools(input: unknown): ToolSchema[] {
  if (Array.isArray(input)) return input.map((entry, i) => normalizeTool(entry, `entry ${i}`));
  if (isObject(input)) {
    return Object.entries(input).map(([name, parameters]) => {
      if (!isObject(parameters)) throw new TypeError(`the schema of "${name}" must be a JSON Schema object`);
      return { name, parameters };
    });
  }
  throw new TypeError('expected an array of tools or a { name: JSON Schema } object');
}

function normalizeTool(entry: unknown, where: string): ToolSchema {
  if (!isObject(entry)) throw new TypeError(`${where} must be an object`);
  const fn = isObject(entry.function) ? entry.function : entry;
  if (typeof fn.name !== 'string' || fn.name === '') throw new TypeError(`${where} has no \`name\``);
  const parameters = fn.parameters ?? { type: 'object', properties: {} };
  if (!isObject(parameters))
    throw new TypeError(`${where} ("${fn.name}"): \`parameters\` must be a JSON Schema object`);
  const tool: ToolSchema = { name: fn.name, parameters };
  if (typeof fn.description === 'string') tool.description = fn.description;
  return tool;
}
