import type { StructuredToolInterface } from '@langchain/core/tools';
import { toJsonSchema } from '@langchain/core/utils/json_schema';
import {
  type Gate,
  type GatedToolRunner,
  isStandardSchema,
  type ToolDefinition,
  type ToolParameters,
  withJsonSchema,
} from '@tollgate/core';
import { toolNodeFor } from './execution.js';

/** A LangChain tool as `tool(fn, { name, description, schema })` makes it (any `StructuredToolInterface`). */
export type LangChainTool = StructuredToolInterface;

/** What a LangChain tool does not say itself: its gate options, as on a {@link ToolDefinition}. */
export interface GatedToolOptions {
  /** Per-tool gate options, keyed by gate name; `false` skips that gate for this tool. */
  gates?: Record<string, unknown>;
  /** Gates for this tool only. */
  use?: readonly Gate[];
  /** Charge reservations when the tool throws (overrides the runner's option). */
  chargeOnError?: boolean;
  /** OpenAI structured-outputs `strict` flag for the schema the runner reports. */
  strict?: boolean;
}

/**
 * A LangChain tool as a tollgate {@link ToolDefinition}: its name, description and `schema` (zod 4 or any Standard
 * Schema as is; a zod 3 schema with the JSON Schema LangChain generates for it; a JSON Schema as is). The handler
 * runs the tool the way LangChain's tool node does: inside {@link tollgateMiddleware}'s `wrapToolCall` through the
 * node's own handler (callbacks, config and `ToolRuntime` intact), elsewhere (a resumed approval) through
 * `tool.invoke` with a tool call, so the output is a `ToolMessage` either way. It gets the arguments validated by the
 * runner, never the model's raw ones.
 */
export function toolDefinition(tool: LangChainTool, options: GatedToolOptions = {}): ToolDefinition {
  const definition: ToolDefinition = {
    name: tool.name,
    description: tool.description,
    parameters: parametersOf(tool),
    handler: (args: Record<string, unknown>, ctx) => {
      const node = toolNodeFor(ctx.callId);
      if (node) {
        return node.handler({
          ...node.request,
          tool: node.request.tool ?? tool,
          toolCall: { ...node.request.toolCall, args },
        });
      }
      return tool.invoke({ id: ctx.callId, name: tool.name, args, type: 'tool_call' });
    },
  };
  if (options.gates !== undefined) definition.gates = options.gates;
  if (options.use !== undefined) definition.use = options.use;
  if (options.chargeOnError !== undefined) definition.chargeOnError = options.chargeOnError;
  if (options.strict !== undefined) definition.strict = options.strict;
  return definition;
}

/**
 * Registers LangChain tools into a runner (each through {@link toolDefinition}); `options` gives a tool's gate
 * options by tool name. Pass the same tools to `createAgent` so the model sees them.
 * @throws as `runner.register` (a duplicate name, a schema with no JSON Schema form, a gate refusing options)
 * @returns the runner, for chaining
 */
export function registerTools(
  runner: GatedToolRunner,
  tools: readonly LangChainTool[],
  options: Readonly<Record<string, GatedToolOptions>> = {},
): GatedToolRunner {
  for (const tool of tools) runner.register(toolDefinition(tool, options[tool.name]));
  return runner;
}

function parametersOf(tool: LangChainTool): ToolParameters {
  const schema = tool.schema as unknown;
  if (!isStandardSchema(schema)) return schema as Record<string, unknown>;
  const props = schema['~standard'] as { jsonSchema?: { input?: unknown } };
  if (typeof props.jsonSchema?.input === 'function') return schema;
  // zod 3 validates as a Standard Schema but generates no JSON Schema itself; LangChain knows how.
  return withJsonSchema(schema, toJsonSchema(schema as Parameters<typeof toJsonSchema>[0]));
}
