import { compile } from 'json-schema-to-typescript';
import { isObject } from '../trace/format.js';
import type { ToolSchema } from './normalize.js';

/** The interface name for a tool's arguments: `send_money` → `SendMoneyArgs`. */
export function argsTypeName(tool: string): string {
  const words = tool
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  const name = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  return `${/^[0-9]/.test(name) ? `T${name}` : name}Args`;
}

/** Options for {@link generateArgsTypes}. */
export interface TypegenOptions {
  /** Comment at the top of the file. */
  banner?: string;
  /** Name of the map type from tool name to its arguments type (default `ToolArgs`). */
  mapName?: string;
}

/**
 * TypeScript declarations for the tools' argument objects, made by json-schema-to-typescript: one interface per
 * tool (`SendMoneyArgs`), a `ToolArgs` map from tool name to it, and the named types of `$defs`. Property
 * titles are dropped so they do not become type names; objects without `additionalProperties` are closed.
 * Throws the generator's error for a schema it cannot read.
 */
export async function generateArgsTypes(tools: readonly ToolSchema[], options: TypegenOptions = {}): Promise<string> {
  const defs: Record<string, unknown> = {};
  const properties: Record<string, unknown> = {};
  for (const tool of tools) {
    const renames = new Map<string, string>();
    const own = tool.parameters.$defs ?? tool.parameters.definitions;
    if (isObject(own)) {
      for (const [name, schema] of Object.entries(own)) {
        const unique =
          name in defs && JSON.stringify(defs[name]) !== JSON.stringify(schema)
            ? `${argsTypeName(tool.name).slice(0, -4)}${name}`
            : name;
        renames.set(name, unique);
        defs[unique] = schema;
      }
    }
    const { $defs: _d, definitions: _ds, ...schema } = tool.parameters;
    properties[tool.name] = {
      ...(stripTitles(rewriteRefs(schema, renames)) as Record<string, unknown>),
      title: argsTypeName(tool.name),
      ...(tool.description ? { description: tool.description } : {}),
    };
  }
  for (const [name, schema] of Object.entries(defs)) {
    defs[name] = { ...(stripTitles(schema) as Record<string, unknown>), title: name };
  }
  const root = {
    title: options.mapName ?? 'ToolArgs',
    description: 'Each tool’s arguments, by tool name.',
    type: 'object',
    properties,
    required: tools.map((t) => t.name),
    additionalProperties: false,
    $defs: defs,
  };
  return compile(root as Parameters<typeof compile>[0], root.title, {
    bannerComment: options.banner ?? '',
    additionalProperties: false,
    unreachableDefinitions: false,
    style: { singleQuote: true, printWidth: 120 },
  });
}

/** Schema keywords whose values are data, not schemas: never rewritten. */
const DATA_KEYWORDS = new Set(['default', 'enum', 'const', 'examples', 'example']);

/** Removes `title` from every subschema, leaving properties named "title" and data values alone. */
function stripTitles(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripTitles);
  if (!isObject(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'title' && typeof value === 'string') continue;
    if (DATA_KEYWORDS.has(key)) out[key] = value;
    else if (key === 'properties' && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stripTitles(v)]));
    } else out[key] = stripTitles(value);
  }
  return out;
}

/** Points a tool's local `$ref`s at the hoisted `$defs` of the combined schema. */
function rewriteRefs(node: unknown, renames: ReadonlyMap<string, string>): Record<string, unknown> {
  const walk = (n: unknown): unknown => {
    if (Array.isArray(n)) return n.map(walk);
    if (!isObject(n)) return n;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(n)) {
      if (key === '$ref' && typeof value === 'string') {
        const m = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(value);
        out[key] = m ? `#/$defs/${renames.get(m[1]!) ?? m[1]}` : value;
      } else out[key] = DATA_KEYWORDS.has(key) ? value : walk(value);
    }
    return out;
  };
  return walk(node) as Record<string, unknown>;
}
