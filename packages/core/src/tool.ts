import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { HandlerContext } from './context.js';
import type { Gate } from './gate.js';
import type { ToolParameters } from './schema.js';

/** A tool the runner can call: its schema for the model, its function, and its gate options. */
// biome-ignore lint/suspicious/noExplicitAny: a registry holds tools of every argument type.
export interface ToolDefinition<Args = any, Result = unknown> {
  /** Unique name, as the model will call it. */
  name: string;
  /** What the tool does, for the model. */
  description?: string;
  /**
   * The arguments object's schema: a JSON Schema (draft 2020-12 keywords ajv supports in strict mode), or a Standard
   * Schema such as zod 4's `z.object({...})`, whose JSON Schema the model receives and whose own validation the
   * runner applies; the handler then gets the schema's output value, typed.
   */
  parameters: ToolParameters<Args>;
  /** OpenAI structured-outputs `strict` flag passed through to the tool schema. */
  strict?: boolean;
  /** The real function. It never runs on arguments that failed validation. */
  handler(args: Args, ctx: HandlerContext): Result | Promise<Result>;
  /**
   * Per-tool gate options, keyed by gate name: they override the gate's defaults for this tool (as
   * actiongate-openai's `register` takes a policy, budget and rule per tool); `false` skips that gate. Each gate
   * compiles its entry once at `register()` ({@link Gate.compileToolOptions}); {@link gateOptions} types them.
   */
  gates?: Record<string, unknown>;
  /** Gates that apply to this tool only; they run in their stage with the runner's gates. */
  use?: readonly Gate[];
  /** Charge reservations (spend, rate points) when the handler throws; overrides the runner's option. */
  chargeOnError?: boolean;
}

/** What the model is told about a tool: its name, description and JSON Schema (generated for a Standard Schema). */
export interface ToolSchema {
  name: string;
  description?: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
  strict?: boolean;
}

/**
 * Identity helper that types a tool's handler from its parameters. With a Standard Schema the argument type is
 * inferred: `defineTool({ name: 'send_money', parameters: z.object({ to: z.string(), amount: z.number() }),
 * handler: ({ to, amount }) => … })`. With JSON Schema, give the type: `defineTool<SendMoneyArgs>({ … })`, and
 * generate it with `tollgate types`.
 */
export function defineTool<S extends StandardSchemaV1, Result = unknown>(
  definition: Omit<ToolDefinition<StandardSchemaV1.InferOutput<S>, Result>, 'parameters'> & { parameters: S },
): ToolDefinition<StandardSchemaV1.InferOutput<S>, Result>;
export function defineTool<Args = Record<string, unknown>, Result = unknown>(
  definition: ToolDefinition<Args, Result>,
): ToolDefinition<Args, Result>;
export function defineTool(definition: ToolDefinition): ToolDefinition {
  return definition;
}
