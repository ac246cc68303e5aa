export {
  type CedarEntityRef,
  CedarGate,
  type CedarGateOptions,
  type CedarToolConfig,
  type CedarToolOptions,
  defaultCedarContext,
} from './cedar-gate.js';
export { CedarPolicyError, type CedarProblem } from './errors.js';
export { CedarReason } from './reasons.js';
