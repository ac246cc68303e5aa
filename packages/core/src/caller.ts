import type { CallContext } from './context.js';

/** Who a call runs as: the fields of a {@link CallContext} that gates decide on. */
export interface Caller {
  actor?: string;
  tenant?: string;
  session?: string;
  scopes?: string[];
  roles?: string[];
  metadata?: Record<string, unknown>;
}

/** The caller of a context, absent fields left out, arrays only (a string `scopes` would match substrings). */
export function callerOf(context: CallContext): Caller {
  const out: Caller = {};
  if (context.actor !== undefined) out.actor = context.actor;
  if (context.tenant !== undefined) out.tenant = context.tenant;
  if (context.session !== undefined) out.session = context.session;
  if (Array.isArray(context.scopes)) out.scopes = [...context.scopes];
  if (Array.isArray(context.roles)) out.roles = [...context.roles];
  if (context.metadata !== undefined && context.metadata !== null) out.metadata = structuredClone(context.metadata);
  return out;
}
