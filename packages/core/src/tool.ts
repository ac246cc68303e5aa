import type { ToolDefinition } from './types.js';

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
