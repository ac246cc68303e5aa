export type {
  ApproveDecision,
  EditDecision,
  RejectDecision,
  TollgateActionRequest,
  TollgateDecision,
  TollgateInterrupt,
  TollgateResume,
} from './decisions.js';
export type { TollgateOutcome, ToolDenial } from './messages.js';
export { type TollgateMiddlewareOptions, tollgateMiddleware } from './middleware.js';
export { type GatedToolOptions, type LangChainTool, registerTools, toolDefinition } from './tools.js';
