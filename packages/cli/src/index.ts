export { CliError, type CliIo, ExitCode, type OutputStream } from './io.js';
export { main } from './main.js';
export {
  definePolicy,
  definePolicyRouter,
  type PolicyGates,
  type PolicyRouter,
  type PolicyScope,
  type ReplayPolicy,
  type ToolGates,
} from './policy/define.js';
export {
  defineMcpPolicy,
  type McpPolicy,
  type McpPolicyExport,
  type McpSettings,
} from './policy/mcp.js';
export type { Comparison, ComparisonCell } from './replay/compare.js';
export type { CallDecision, ShadowHit } from './replay/engine.js';
export type { LabelTally, ReplaySummary, ShadowSummary, SkippedLine, Tally } from './replay/summary.js';
export type { ToolSchema, ToolSpec } from './tools/normalize.js';
export type { EpisodeLabels, TraceCall, TraceEpisode, TraceProvenanceEntry } from './trace/format.js';
