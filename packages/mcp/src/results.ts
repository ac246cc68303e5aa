import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { GateResult } from '@tollgate/core';
import { errorText } from '@tollgate/core';

/** The `_meta` key under which a tool result carries tollgate's {@link McpDenial}. */
export const DENIAL_META_KEY = 'tollgate/denial';

/**
 * What the model reads when a call did not run (or failed): the same fields as `@tollgate/openai`'s denial, plus
 * the approval a paused call waits for. Sent as the result's text (JSON) and under `_meta["tollgate/denial"]`.
 */
export interface McpDenial {
  /** `blocked`, `approval_required` or `tool_error`. */
  status: 'blocked' | 'approval_required' | 'tool_error';
  /** The stable reason code (`rate_limited`, `mcp_destructive`, `approval_denied`, …). */
  reason: string;
  /** What happened and what the model can do. */
  message: string;
  /** When a retry could succeed, in ms from now. */
  retry_after_ms?: number;
  /** The approval a paused call waits for (`apr_…`). */
  approval_id?: string;
  /** When that approval expires, as an ISO 8601 time. */
  approval_expires_at?: string;
  /** For `tool_error` from an MCP server: the code in {@link McpReason} (`mcp_timeout`, …). */
  error?: string;
}

/** The denial for a result that did not execute. */
export function denialOf(result: GateResult): McpDenial {
  const status = result.status === 'approval_required' || result.status === 'tool_error' ? result.status : 'blocked';
  const denial: McpDenial = { status, reason: result.reason, message: result.message };
  if (result.retryAfterMs !== undefined) denial.retry_after_ms = result.retryAfterMs;
  if (result.approval) {
    denial.approval_id = result.approval.id;
    denial.approval_expires_at = new Date(result.approval.expiresAt).toISOString();
    denial.message = `${result.message} Once a person approves it, call this tool again with exactly the same arguments to run it.`;
  }
  if (result.status === 'tool_error' && result.error) denial.error = result.error.name;
  return denial;
}

/** A tool result with `isError: true` carrying the denial as text and in `_meta`. */
export function denialResult(denial: McpDenial): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: JSON.stringify(denial) }],
    _meta: { [DENIAL_META_KEY]: denial },
  };
}

/**
 * The tool result for a handler's return value (a tool registered by hand, not an MCP server's): a
 * `CallToolResult` as it is, a string as text, anything else as JSON text.
 */
export function valueResult(value: unknown): CallToolResult {
  if (isToolResult(value)) return value;
  if (typeof value === 'string') return { content: [{ type: 'text', text: value }] };
  let text: string;
  try {
    text = JSON.stringify(value) ?? JSON.stringify({ status: 'executed' });
  } catch (err) {
    text = JSON.stringify({
      status: 'executed',
      message: `The tool ran; its result has no JSON form (${errorText(err)}).`,
    });
  }
  return { content: [{ type: 'text', text }] };
}

function isToolResult(value: unknown): value is CallToolResult {
  return typeof value === 'object' && value !== null && Array.isArray((value as { content?: unknown }).content);
}
