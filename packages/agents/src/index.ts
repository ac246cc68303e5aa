export { type ApprovalIndex, MemoryApprovalIndex, type MemoryApprovalIndexOptions } from './approval-index.js';
export { type CallScope, currentCallScope } from './call-scope.js';
export {
  type CallerOption,
  GatedAgentTools,
  type GatedAgentToolsOptions,
  type GatedInterruption,
  type GatedToolOptions,
} from './gated-tools.js';
export { ToolGuardrailGate, type ToolGuardrailGateOptions } from './guardrail-gate.js';
export type { ProvenanceFactory } from './provenance.js';
export { AgentsReason, type AgentsReasonCode } from './reasons.js';
export { denialOf, modelOutput, type ToolDenial } from './tool-output.js';
