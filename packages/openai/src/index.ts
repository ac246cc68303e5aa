export { GatedOpenAI, type GatedOpenAIOptions, type OnApprovalRequired } from './adapter.js';
export type { BreakerOptions } from './breaker.js';
export { ModelCallError, type ModelCallErrorCode, ResumeInputError, type ResumeInputErrorCode } from './errors.js';
export { executeToolCalls } from './execute.js';
export { conversationDigest, type ProvenanceFactory, recordConversation } from './provenance.js';
export type { ApprovalDecisions } from './resume.js';
export { chatToolSchemas, responsesToolSchemas } from './schemas.js';
export { assertRunState, runStateSchema } from './state.js';
export { modelOutput, type ToolOutputOptions, toolOutputContent } from './tool-output.js';
export type {
  AnyToolCall,
  ApprovalChoice,
  ChatMessage,
  ChatToolCall,
  Conversation,
  ExecutedToolCalls,
  Execution,
  Interruption,
  ModelResponse,
  OpenAIApi,
  PendingCall,
  RequestParams,
  ResponsesItem,
  ResponsesToolCall,
  RunEvent,
  RunParams,
  RunResult,
  RunState,
  RunStatus,
  ToolCall,
  ToolDenial,
  ToolOutputMessage,
} from './types.js';
