export { DecisionCache } from './cache.js';
export { defaultInput, type OpaInput } from './input.js';
export { OpaGate, type OpaGateOptions, type OpaToolConfig, type OpaToolOptions } from './opa-gate.js';
export { OpaReason } from './reasons.js';
export { type OpaDecision, verdictOf } from './result.js';
