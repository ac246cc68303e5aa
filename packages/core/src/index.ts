export type { ApprovalResponse, ResumeExpectation } from './approval-flow.js';
export {
  type ApprovalDecision,
  type ApprovalQuorum,
  type ApprovalRecord,
  type ApprovalRefusal,
  type ApprovalStatus,
  type ApprovalStore,
  type ApprovalTransition,
  type ApprovalVote,
  applyDecision,
  describeRefusal,
  effectiveStatus,
  MemoryApprovalStore,
  type MemoryApprovalStoreOptions,
  mergeQuorums,
  quorumProblem,
  refuseConsume,
  refuseDecide,
} from './approvals.js';
export { type Caller, callerOf } from './caller.js';
export { type Clock, systemClock } from './clock.js';
export type { CallContext, GateContext, HandlerContext, ResumedApproval } from './context.js';
export { type ApprovalSubject, approvalDigest, canonicalJson, sha256Canonical } from './digest.js';
export { errorName, errorText } from './errors.js';
export type { DecisionEvent, DecisionListener, EventIds } from './events.js';
export { UnavailableError, type UnavailableErrorOptions } from './failure.js';
export {
  type FailMode,
  type Gate,
  type GateDecision,
  type GateOptions,
  type GateOutcome,
  type GateStage,
  type GateVerdict,
  type Reservation,
  type SettleInfo,
  STAGES,
  type Stage,
} from './gate.js';
export { newId } from './ids.js';
export type { Json } from './json.js';
export {
  applyToolOutputStage,
  type ProvenanceOccurrence,
  type ProvenanceOrigin,
  type ProvenanceRecorder,
  type ProvenanceSource,
  type ProvenanceView,
  type ToolOutputInfo,
  type ToolOutputTransform,
  VALUE_KINDS,
  type ValueKind,
} from './provenance.js';
export { Reason, type RunnerReason } from './reasons.js';
export type { ApprovalTicket, GateResult, GateStatus, GateTimings } from './result.js';
export { GatedToolRunner, type ResumeOptions, type RunnerOptions } from './runner.js';
export {
  type ArgumentCheck,
  isStandardSchema,
  type JsonSchema,
  type ToolParameters,
  withJsonSchema,
} from './schema.js';
export { defineTool, type ToolDefinition, type ToolSchema } from './tool.js';
export { gateOptions, readToolOptions, ToolOptionsError, type ToolOptionsSite } from './tool-options.js';
export {
  modelOutput,
  type ToolDenial,
  type ToolOutputOptions,
  toolDenial,
  toolOutputContent,
} from './tool-output.js';
export {
  createAjv,
  formatSchemaErrors,
  MAX_ARGUMENT_DEPTH,
  type ParsedArguments,
  parseArguments,
} from './validation.js';
