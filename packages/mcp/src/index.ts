export {
  type AnnotationEffect,
  type AnnotationEffects,
  type AnnotationToolConfig,
  type AnnotationToolOptions,
  classify,
  ToolAnnotationGate,
  type ToolAnnotationGateOptions,
} from './annotation-gate.js';
export { type CallScope, currentCallScope, inCallScope, type ServerAnswer } from './call-scope.js';
export { type ChildExit, ChildProcessTransport, type ChildProcessTransportOptions } from './child-transport.js';
export { GatedMcpClient, type GatedMcpClientOptions, type HttpServer, type StdioServer } from './client.js';
export { McpCallError, type RpcError } from './errors.js';
export {
  type HttpProxy,
  type HttpProxyOptions,
  type McpProxyOptions,
  runStdioProxy,
  type StdioProxyExit,
  type StdioProxyOptions,
  startHttpProxy,
} from './proxy.js';
export { type McpErrorCode, McpReason, type McpReasonCode } from './reasons.js';
export { McpRelay, type McpRelayOptions } from './relay.js';
export { DENIAL_META_KEY, denialOf, denialResult, type McpDenial, valueResult } from './results.js';
export { createGatedMcpServer, type GatedMcpServerOptions, type HostInfo } from './server.js';
export {
  APPROVAL_META_KEY,
  type ElicitationOptions,
  GatedToolCalls,
  type GatedToolCallsOptions,
  type HostSession,
  type ToolCallAnswer,
  type ToolCallRequest,
} from './tool-calls.js';
export {
  type CallLimits,
  DEFAULT_MAX_RESULT_BYTES,
  DEFAULT_TIMEOUT_MS,
  hostTool,
  type McpToolDefinition,
  type McpToolInfo,
  mcpToolInfo,
  type RegisterOptions,
  registerMcpTools,
  resultText,
  type SendOptions,
  type SkippedTool,
  type ToolSender,
} from './tools.js';
