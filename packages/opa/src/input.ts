import type { GateContext } from '@tollgate/core';

/**
 * What the gate sends as OPA's `input` by default: the call and who makes it. Field names follow tollgate's
 * (kitelogik's `tool_name`, `session_id`, `session_scopes`, `tenant_id` are `tool`, `session`, `scopes`, `tenant`).
 */
export interface OpaInput {
  /** The policy action name: the tool's mapped action, else the tool name (kitelogik's `action`). */
  action: string;
  /** The tool name as the model called it. */
  tool: string;
  /** The arguments after validation. */
  args: Record<string, unknown>;
  actor: string | null;
  tenant: string | null;
  session: string | null;
  scopes: readonly string[];
  roles: readonly string[];
  metadata: Readonly<Record<string, unknown>>;
  callId: string;
  traceId: string;
  /** ms since the epoch, by the runner's clock. */
  now: number;
  /** True for a dry run (`runner.check`). */
  dryRun: boolean;
}

/** The default input for a call (absent identities are `null`, so Rego can test them). */
export function defaultInput(ctx: GateContext, action: string): OpaInput {
  return {
    action,
    tool: ctx.tool,
    args: ctx.args,
    actor: ctx.actor ?? null,
    tenant: ctx.tenant ?? null,
    session: ctx.session ?? null,
    scopes: ctx.scopes,
    roles: ctx.roles,
    metadata: ctx.metadata,
    callId: ctx.callId,
    traceId: ctx.traceId,
    now: ctx.clock.now(),
    dryRun: ctx.dryRun,
  };
}
