/**
 * Stable codes this package emits; a code never changes meaning once released.
 *
 * The first group are the {@link ToolAnnotationGate}'s reasons (`ok` when it allows). The second group name what
 * went wrong with an MCP server during a call that the gates allowed: the call ends as `tool_error` (core's
 * reason for a handler that failed), and `result.error.name` is one of these codes, so an application can tell
 * a hung server from a crashed one without parsing messages.
 */
export const McpReason = {
  /** The annotation gate allowed: the server marks the tool read-only (and not open-world). */
  ok: 'ok',
  /** The tool is read-only, and this policy still does not let such tools run unasked (a configured effect). */
  readOnly: 'mcp_read_only',
  /** The server marks the tool as one that may destroy or overwrite data (`destructiveHint`, MCP's default). */
  destructive: 'mcp_destructive',
  /** The server marks the tool as reaching outside the local world (`openWorldHint`: web, e-mail, other systems). */
  openWorld: 'mcp_open_world',
  /** The tool changes state without destroying data (`readOnlyHint: false`, `destructiveHint: false`). */
  notReadOnly: 'mcp_not_read_only',
  /** The tool carries no annotations, so it is treated as destructive. */
  unannotated: 'mcp_unannotated',

  /** The server did not answer within the call's timeout (it was sent `notifications/cancelled`). */
  timeout: 'mcp_timeout',
  /** The server's process exited, or its connection closed, before it answered. */
  serverExited: 'mcp_server_exited',
  /** The server answered with something that is not a valid tool result (or that breaks its own output schema). */
  malformedResult: 'mcp_malformed_result',
  /** The server's answer was larger than the configured limit and was dropped unread. */
  outputTooLarge: 'mcp_output_too_large',
  /** The server answered the call with a JSON-RPC error. */
  errorResponse: 'mcp_error_response',
  /** The tool ran and reported its own failure (`isError: true`). */
  toolError: 'mcp_tool_error',
  /** The host cancelled the call before the server answered. */
  cancelled: 'mcp_cancelled',
  /** The client is closed or was never connected. */
  notConnected: 'mcp_not_connected',
} as const;

/** One of {@link McpReason}'s values. */
export type McpReasonCode = (typeof McpReason)[keyof typeof McpReason];

/** The codes a failed MCP call carries as `error.name` (the second group of {@link McpReason}). */
export type McpErrorCode =
  | typeof McpReason.timeout
  | typeof McpReason.serverExited
  | typeof McpReason.malformedResult
  | typeof McpReason.outputTooLarge
  | typeof McpReason.errorResponse
  | typeof McpReason.toolError
  | typeof McpReason.cancelled
  | typeof McpReason.notConnected;
