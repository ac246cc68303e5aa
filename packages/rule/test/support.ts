import { type Gate, type GateContext, GatedToolRunner, type ToolDefinition } from '@tollgate/core';
import type { RuleJson } from '../src/index.js';

/** Tools with permissive schemas, so rule tests see every argument shape. */
export const TOOL_NAMES = ['send_money', 'send_email', 'read_balance', 'deploy.prod', 'deploy.staging'] as const;

/** A runner with a fixed clock and the named tools, each returning `ran <name>`; `options` per tool name. */
export function runnerWith(gates: Gate[], toolGates: Record<string, Record<string, unknown>> = {}): GatedToolRunner {
  const tools: ToolDefinition[] = TOOL_NAMES.map((name) => ({
    name,
    parameters: { type: 'object' },
    handler: () => `ran ${name}`,
    gates: toolGates[name],
  }));
  return new GatedToolRunner({ tools, gates, clock: { now: () => 1_700_000_000_000 } });
}

/** A context for calling a gate's `check` directly (property tests). */
export function gateContext(
  tool: string,
  args: Record<string, unknown>,
  extra: Partial<GateContext> = {},
): GateContext {
  return {
    tool,
    args,
    callId: 'call_1',
    actor: undefined,
    tenant: undefined,
    session: undefined,
    scopes: [],
    roles: [],
    metadata: {},
    traceId: 'trace_1',
    clock: { now: () => 0 },
    dryRun: false,
    definition: undefined,
    approval: undefined,
    ...extra,
  };
}

/** A JSON rule whose reason and message are derived from its id. */
export const rule = (id: string, effect: RuleJson['effect'], extra: Partial<RuleJson> = {}): RuleJson => ({
  id,
  effect,
  reason: `${id.replaceAll('-', '_')}_reason`,
  message: `message of ${id}`,
  ...extra,
});
