import type { CallContext, Gate, ToolDefinition } from '@tollgate/core';
import type { ToolSpec } from '../tools/normalize.js';
import type { TraceCall, TraceEpisode } from '../trace/format.js';

/**
 * Where gate state lives during a replay. `'replay'`: one set of gates for the whole file, so rate and
 * budget state carries from episode to episode as in production (use it for one user's traffic over time).
 * `'episode'`: fresh gates for every episode, for independent runs such as AgentDojo's tasks.
 */
export type PolicyScope = 'episode' | 'replay';

/**
 * A policy module's contract with `tollgate replay`: the tools an agent has, the gates that guard them and
 * each tool's gate options. The same pieces build a production {@link GatedToolRunner}.
 */
export interface ReplayPolicy {
  /** Shown in the summary (default: the module's file name). */
  name?: string;
  /** The tools' schemas in any {@link ToolSpec} format; a call to a tool not listed is blocked as `unknown_tool`. */
  tools: readonly ToolSpec[];
  /** Makes fresh gates; called once per {@link scope} (so once per episode with `'episode'`). */
  gates: () => PolicyGates | Promise<PolicyGates>;
  /** Per-tool gate options: tool name → gate name → that gate's options for the tool (`false` skips the gate). */
  toolOptions?: Record<string, Record<string, unknown>>;
  /** The call context for an episode's calls (default: the episode's own `context`). */
  context?: (episode: TraceEpisode) => Omit<CallContext, 'callId'>;
  /**
   * Figures the replay handler reports with `ctx.report` after the recorded call (e.g. `{cost: '12.50'}` for a
   * budget charged on actual cost). Default: nothing.
   */
  report?: (call: TraceCall, episode: TraceEpisode) => Record<string, unknown> | undefined;
  /** Where gate state lives (default `'replay'`). */
  scope?: PolicyScope;
}

/** Gates for one tool only, and its gate options: the `use` and `gates` of its {@link ToolDefinition}. */
export type ToolGates = Pick<ToolDefinition, 'use' | 'gates'>;

/**
 * What a policy's `gates()` returns: the gates for every tool, or those and per-tool parts (a budget that only
 * payments carry, a tool's own rules). Per-tool `gates` options are merged over the policy's `toolOptions`.
 */
export type PolicyGates = readonly Gate[] | { gates: readonly Gate[]; tools?: Record<string, ToolGates> };

/** What `gates()` returned, in one shape; throws `TypeError` when it is neither an array nor `{ gates, tools? }`. */
export function splitPolicyGates(made: PolicyGates): { gates: readonly Gate[]; tools: Record<string, ToolGates> } {
  const { gates, tools = {} } = Array.isArray(made) ? { gates: made } : (made as Exclude<PolicyGates, readonly Gate[]>);
  if (!Array.isArray(gates)) throw new TypeError('gates() must return an array of gates or { gates, tools }');
  return { gates, tools };
}

/** Several policies and which one an episode gets (e.g. by AgentDojo suite). */
export interface PolicyRouter {
  /** The policies, by key. */
  policies: Record<string, ReplayPolicy>;
  /** The key of an episode's policy; an episode whose key has no policy is skipped and reported. */
  route: (episode: TraceEpisode) => string | undefined;
}

/** Identity helper that types a policy module's default export. */
export function definePolicy(policy: ReplayPolicy): ReplayPolicy {
  return policy;
}

/** Identity helper that types a policy module whose episodes each pick one of several policies. */
export function definePolicyRouter(router: PolicyRouter): PolicyRouter {
  return router;
}
