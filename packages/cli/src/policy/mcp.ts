import type { ApprovalStore, CallContext, Gate, ProvenanceRecorder, ToolDefinition } from '@tollgate/core';
import type { ElicitationOptions, HostInfo } from '@tollgate/mcp';
import { CliError } from '../io.js';
import type { PolicyGates, ReplayPolicy, ToolGates } from './define.js';
import type { LoadedPolicies, ResolvedPolicy } from './load.js';

/** What `tollgate mcp-proxy` and `tollgate approvals` take from a policy beyond its gates. */
export interface McpSettings {
  /**
   * Makes the approval store, once per process (default: in memory, in the proxy process; `tollgate approvals`
   * then reaches it over a socket only the same user can open). Give a `RedisApprovalStore` to approve when the
   * proxy is not running, or to share approvals between proxies.
   */
  approvals?: () => ApprovalStore | Promise<ApprovalStore>;
  /** How long an approval stays usable (ms, default 15 minutes). */
  approvalTtlMs?: number;
  /** Who a host's calls run as (default `{}`), e.g. `() => ({ actor: process.env.USER })`. */
  context?: (host: HostInfo) => CallContext;
  /** Asking the host's user through elicitation (default on where the host supports it); `false` never asks. */
  elicitation?: ElicitationOptions | false;
  /**
   * Makes each host session's provenance recorder (`() => new ProvenanceLog()`), so a `ProvenanceGate` among the
   * gates sees which values came from the server's earlier tool results.
   */
  provenance?: () => ProvenanceRecorder;
  /** How long a tool call may wait for the server (ms, default 60,000). */
  timeoutMs?: number;
  /** Largest tool result accepted from the server (bytes, default 16 MiB). */
  maxResultBytes?: number;
  /** Runs when the process stops: close the Redis clients and sinks the policy opened. */
  close?: () => void | Promise<void>;
}

/** A policy for `tollgate mcp-proxy`: gates for a server's tools, which the server itself lists. */
export interface McpPolicy extends McpSettings {
  /** Shown in messages (default: the module's file name). */
  name?: string;
  /** Makes the gates, once per proxy process; every host session shares them (and their rate and budget state). */
  gates: () => PolicyGates | Promise<PolicyGates>;
  /** Per-tool gate options, by the server's tool name: gate name → options (`false` skips the gate). */
  toolOptions?: Record<string, Record<string, unknown>>;
}

/** A policy module's export for the proxy: a policy with no tools of its own, and its MCP settings. */
export type McpPolicyExport = ReplayPolicy & { mcp: McpSettings };

/**
 * Types a policy module for `tollgate mcp-proxy` (and `tollgate approvals`). The tools come from the MCP
 * server, so the policy names none; what `definePolicy` takes besides is kept, and the MCP settings go under `mcp`.
 */
export function defineMcpPolicy(policy: McpPolicy): McpPolicyExport {
  const { name, gates, toolOptions, ...mcp } = policy;
  return { ...(name === undefined ? {} : { name }), tools: [], gates, ...(toolOptions ? { toolOptions } : {}), mcp };
}

/** The one policy a proxy runs, with its MCP settings (`{}` for a plain replay policy). */
export interface ProxyPolicy {
  /** The module's resolved path. */
  file: string;
  policy: ResolvedPolicy;
  settings: McpSettings;
}

/** The single policy of a loaded module. @throws {CliError} for a policy router */
export function proxyPolicy(loaded: LoadedPolicies): ProxyPolicy {
  const policy = loaded.policies.get('default');
  if (!policy || loaded.policies.size !== 1) {
    throw new CliError(`Policy module ${loaded.file}: mcp-proxy needs one policy, not a policy router`);
  }
  const settings = (policy as ResolvedPolicy & { mcp?: McpSettings }).mcp ?? {};
  for (const hook of ['approvals', 'context', 'provenance', 'close'] as const) {
    if (settings[hook] !== undefined && typeof settings[hook] !== 'function') {
      throw new CliError(`Policy module ${loaded.file}: \`${hook}\` must be a function`);
    }
  }
  return { file: loaded.file, policy, settings };
}

/** A policy's gates, and each tool's gate options and own gates, by tool name. */
export interface MadeGates {
  gates: readonly Gate[];
  toolGates: (tool: string) => Pick<ToolDefinition, 'gates' | 'use'>;
}

/** Calls the policy's `gates()` once. @throws {CliError} naming the policy when it throws or returns no gates */
export async function makeGates(policy: ResolvedPolicy): Promise<MadeGates> {
  let made: PolicyGates;
  try {
    made = await policy.gates();
  } catch (err) {
    throw new CliError(`Policy "${policy.name}": gates() failed: ${(err as Error)?.message ?? String(err)}`);
  }
  const { gates, tools = {} } = Array.isArray(made)
    ? { gates: made as readonly Gate[] }
    : (made as { gates: readonly Gate[]; tools?: Record<string, ToolGates> });
  if (!Array.isArray(gates))
    throw new CliError(`Policy "${policy.name}": gates() must return an array of gates or { gates, tools }`);
  const options = policy.toolOptions ?? {};
  return {
    gates,
    toolGates: (tool) => {
      const own = Object.hasOwn(tools, tool) ? tools[tool] : undefined;
      const base = Object.hasOwn(options, tool) ? options[tool] : undefined;
      const merged = base || own?.gates ? { ...base, ...own?.gates } : undefined;
      return { ...(merged ? { gates: merged } : {}), ...(own?.use ? { use: own.use } : {}) };
    },
  };
}
