import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { errorText } from '@tollgate/core';
import { type McpErrorCode, McpReason } from './reasons.js';

/** A JSON-RPC error object, as a server sent it. */
export interface RpcError {
  code: number;
  message: string;
  data?: unknown;
}

/**
 * Why an MCP tool call failed after the gates allowed it. Its `name` is the stable code (`mcp_timeout`,
 * `mcp_server_exited`, …; see {@link McpReason}), because the runner keeps a handler's error as `{ name, message }`
 * on the `tool_error` result and in the audit record.
 */
export class McpCallError extends Error {
  /** The stable code (`mcp_timeout`, …), also the error's `name`. */
  override readonly name: McpErrorCode;
  /** The stable code, the same as `name`. */
  readonly code: McpErrorCode;
  /** The server's JSON-RPC error, for `mcp_error_response`. */
  readonly rpcError: RpcError | undefined;

  constructor(code: McpErrorCode, message: string, options: { cause?: unknown; rpcError?: RpcError } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = code;
    this.code = code;
    this.rpcError = options.rpcError;
  }
}

/**
 * The `data.tollgate` marker on a JSON-RPC error tollgate makes up itself for a response it had to drop (too large,
 * malformed), so the request fails at once instead of waiting for its timeout.
 */
export const SYNTHETIC_ERROR_KEY = 'tollgate';

/** A made-up JSON-RPC error carrying one of our codes in `data`. */
export function syntheticRpcError(code: McpErrorCode, message: string): RpcError {
  return { code: ErrorCode.InternalError, message, data: { [SYNTHETIC_ERROR_KEY]: code } };
}

/** The code a JSON-RPC error stands for: ours when tollgate made it up, else `mcp_error_response`. */
export function codeOfRpcError(error: RpcError): McpErrorCode {
  const marked = (error.data as Record<string, unknown> | undefined)?.[SYNTHETIC_ERROR_KEY];
  if (typeof marked === 'string' && Object.values(McpReason).includes(marked as McpErrorCode)) {
    return marked as McpErrorCode;
  }
  if (error.code === ErrorCode.RequestTimeout) return McpReason.timeout;
  if (error.code === ErrorCode.ConnectionClosed) return McpReason.serverExited;
  return McpReason.errorResponse;
}

/** Whatever a call to a server threw, as an {@link McpCallError} with the right code. */
export function toMcpCallError(err: unknown, tool: string, timeoutMs?: number): McpCallError {
  if (err instanceof McpCallError) return err;
  if (err instanceof McpError) {
    const rpcError: RpcError = { code: err.code, message: err.message, data: err.data };
    const code = codeOfRpcError(rpcError);
    return new McpCallError(code, describe(code, tool, err.message, timeoutMs), { cause: err, rpcError });
  }
  const name = (err as { name?: unknown } | null)?.name;
  // The SDK rejects with zod's error (`ZodError`, or `$ZodError` from zod's core) when a result fails its schema.
  const issues = (err as { issues?: { path?: unknown[]; message?: string }[] } | null)?.issues;
  if (Array.isArray(issues)) {
    const issue = issues[0];
    const where = Array.isArray(issue?.path) && issue.path.length ? `/${issue.path.join('/')}` : '(root)';
    const detail = `${where}: ${issue?.message ?? 'not a tool result'}`;
    return new McpCallError(McpReason.malformedResult, describe(McpReason.malformedResult, tool, detail), {
      cause: err,
    });
  }
  if (name === 'AbortError') {
    return new McpCallError(McpReason.cancelled, describe(McpReason.cancelled, tool, errorText(err)), { cause: err });
  }
  const text = errorText(err);
  if (/not connected/i.test(text)) {
    return new McpCallError(McpReason.notConnected, describe(McpReason.notConnected, tool, text), { cause: err });
  }
  return new McpCallError(McpReason.serverExited, describe(McpReason.serverExited, tool, text), { cause: err });
}

/** The message for the model: what happened to the call and what it can do. */
export function describe(code: McpErrorCode, tool: string, detail: string, timeoutMs?: number): string {
  switch (code) {
    case McpReason.timeout:
      return `The MCP server did not answer the call to ${tool}${timeoutMs ? ` within ${timeoutMs} ms` : ''}, so it was cancelled; it may or may not have taken effect. Check before retrying.`;
    case McpReason.serverExited:
      return `The MCP server behind ${tool} stopped before it answered (${detail}); the call may or may not have taken effect. Tell the user the server is down.`;
    case McpReason.malformedResult:
      return `The MCP server answered the call to ${tool} with an invalid result (${detail}); it was dropped. Retrying will likely fail the same way.`;
    case McpReason.outputTooLarge:
      return `The MCP server's answer to ${tool} was too large (${detail}) and was dropped unread. Ask for less (a smaller range, a filter) and call again.`;
    case McpReason.errorResponse:
      return `The MCP server refused the call to ${tool}: ${detail}`;
    case McpReason.toolError:
      return `${tool} failed: ${detail}`;
    case McpReason.cancelled:
      return `The call to ${tool} was cancelled before the MCP server answered (${detail}).`;
    case McpReason.notConnected:
      return `The MCP server behind ${tool} is not connected (${detail}). Tell the user the server is down.`;
  }
}

/** The error a call gets for a JSON-RPC error response. */
export function fromRpcError(error: RpcError, tool: string, timeoutMs?: number): McpCallError {
  const code = codeOfRpcError(error);
  return new McpCallError(code, describe(code, tool, error.message, timeoutMs), { rpcError: error });
}
