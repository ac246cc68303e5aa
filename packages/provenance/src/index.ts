export {
  type CheckedValue,
  type ProvenanceDecisionData,
  type ProvenanceEvidence,
  ProvenanceGate,
  type ProvenanceGateOptions,
  type ProvenanceToolOptions,
  type TrustedValue,
} from './gate.js';
export { cleanText, hostKey, keyOf } from './kinds.js';
export {
  loadSinks,
  SINKS_SCHEMA,
  type SinkJson,
  SinkLoadError,
  type SinkLoadIssue,
  type SinksDocumentJson,
} from './load.js';
export { type ProvenanceEntry, ProvenanceLog } from './log.js';
export { describeSource } from './messages.js';
export {
  type Detection,
  type DetectOptions,
  detect,
  INVISIBLE_CHARACTERS,
  type OutputFilter,
  type SpotlightOptions,
  spotlight,
  spotlightInstructions,
  stripInvisible,
} from './output.js';
export { ProvenanceReason, type ProvenanceReasonCode } from './reasons.js';
export type { ProvenanceSink, SinkEffect, ToolSink } from './sinks.js';
