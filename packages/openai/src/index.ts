export * from './adapter.js';
export * from './breaker.js';
export * from './errors.js';
export { executeToolCalls } from './execute.js';
export type { ApprovalDecisions } from './resume.js';
export * from './schemas.js';
export * from './state.js';
export { type ToolOutputOptions, toolOutputContent } from './tool-output.js';
export * from './types.js';
