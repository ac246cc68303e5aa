export {
  APPROVAL_EVENT,
  DECISION_EVENT,
  ERROR_TYPE,
  EXECUTE_TOOL,
  GEN_AI_OPERATION_NAME,
  GEN_AI_PROVIDER_NAME,
  GEN_AI_REQUEST_MODEL,
  GEN_AI_RESPONSE_FINISH_REASONS,
  GEN_AI_RESPONSE_ID,
  GEN_AI_RESPONSE_MODEL,
  GEN_AI_TOOL_CALL_ARGUMENTS,
  GEN_AI_TOOL_CALL_ID,
  GEN_AI_TOOL_CALL_RESULT,
  GEN_AI_TOOL_DESCRIPTION,
  GEN_AI_TOOL_NAME,
  GEN_AI_TOOL_TYPE,
  GEN_AI_USAGE_INPUT_TOKENS,
  GEN_AI_USAGE_OUTPUT_TOKENS,
  TollgateAttr,
} from './attributes.js';
export {
  type ModelResponse,
  type ModelTurnOptions,
  modelTurn,
  type OpenModelTurn,
  startModelTurn,
} from './model-turn.js';
export { type CallerAttributes, ToolTracing, type ToolTracingOptions } from './tool-tracing.js';
export { TRACER_NAME, TRACER_VERSION, tracerOf } from './tracer.js';
