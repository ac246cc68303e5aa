import type { GatedToolRunner, ToolSchema } from '@tollgate/core';
import type OpenAI from 'openai';

function fields(tool: ToolSchema) {
  return {
    name: tool.name,
    ...(tool.description !== undefined ? { description: tool.description } : {}),
    parameters: tool.parameters,
    strict: tool.strict ?? false,
  };
}

/** The runner's tools as Chat Completions tools: `{type: 'function', function: {name, description, parameters, strict}}`. */
export function chatToolSchemas(runner: GatedToolRunner): OpenAI.Chat.Completions.ChatCompletionFunctionTool[] {
  return runner.schemas().map((tool) => ({ type: 'function', function: fields(tool) }));
}

/** The runner's tools as Responses tools: `{type: 'function', name, description, parameters, strict}`. */
export function responsesToolSchemas(runner: GatedToolRunner): OpenAI.Responses.FunctionTool[] {
  return runner.schemas().map((tool) => ({ type: 'function', ...fields(tool) }));
}
