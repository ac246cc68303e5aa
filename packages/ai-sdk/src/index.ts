export { type ApprovalIndex, MemoryApprovalIndex } from './approval-index.js';
export {
  type GatedOutput,
  type GatedToolOptions,
  type GatedToolSet,
  type GateToolsOptions,
  gatedTools,
  gateTools,
  settleApprovals,
} from './gate-tools.js';
export { type ProvenanceEntry, type ProvenanceFactory, provenanceEntries } from './provenance.js';
