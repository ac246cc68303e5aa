export {
  type ApproveDecision,
  type EditDecision,
  type RejectDecision,
  ResumeDecisionError,
  type TollgateActionRequest,
  type TollgateDecision,
  type TollgateInterrupt,
  type TollgateResume,
} from './decisions.js';
export type { TollgateOutcome, ToolDenial } from './messages.js';
export { type TollgateMiddlewareOptions, tollgateMiddleware } from './middleware.js';
export { type GatedToolOptions, type LangChainTool, registerTools, toolDefinition } from './tools.js';
