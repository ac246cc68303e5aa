import type { HandlerContext } from './context.js';
import type { Gate } from './gate.js';

/** A tool the runner can call: its schema for the model, its function, and its gate options. */
// biome-ignore lint/suspicious/noExplicitAny: a registry holds tools of every argument type.
export interface ToolDefinition<Args = any, Result = unknown> {
  /** Unique name, as the model will call it. */
  name: string;
  /** What the tool does, for the model. */
  description?: string;
  /** JSON Schema of the arguments object (draft 2020-12 keywords ajv supports in strict mode). */
  parameters: Record<string, unknown>;
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

/**
 * Identity helper that types a tool's handler from its argument type:
 * `defineTool<SendMoneyArgs>({ name: 'send_money', parameters, handler: (args) => … })`.
 * Pair it with `tollgate types` to generate `Args` from the JSON Schema.
 */
export function defineTool<Args = Record<string, unknown>, Result = unknown>(
  definition: ToolDefinition<Args, Result>,
): ToolDefinition<Args, Result> {
  return definition;
}
