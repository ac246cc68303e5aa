import {
  type CallToolRequestParams,
  type CallToolResult,
  CallToolResultSchema,
  CreateTaskResultSchema,
  type Progress,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { GatedToolRunner, HandlerContext, ToolDefinition } from '@tollgate/core';
import { errorText } from '@tollgate/core';
import { currentCallScope } from './call-scope.js';
import { describe, McpCallError, toMcpCallError } from './errors.js';
import { McpReason } from './reasons.js';

/** Where a registered MCP tool came from. */
export interface McpToolInfo {
  /** The server's name (its `serverInfo.name`, or the name it was given). */
  server: string;
  /** The tool as the server listed it when it was registered (a copy: later listings do not change it). */
  tool: Tool;
}

/** A runner tool that calls an MCP server's tool. */
export interface McpToolDefinition extends ToolDefinition<Record<string, unknown>, CallToolResult> {
  /** Where it came from; the annotation gate reads its hints here. */
  readonly mcp: McpToolInfo;
}

/** Sends one `tools/call` to a server: resolves with the raw result, rejects when there is none. */
export type ToolSender = (params: CallToolRequestParams, options: SendOptions) => Promise<unknown>;

/** How one call is sent. */
export interface SendOptions {
  /** Aborted when the call is cancelled. */
  signal?: AbortSignal;
  /** How long to wait for the answer (ms); a hard bound, progress does not extend it. */
  timeoutMs: number;
  /** Receives the server's progress, when the gateway relays it under its own token. */
  onprogress?: (progress: Progress) => void;
}

/** Bounds on one call to a server. */
export interface CallLimits {
  /** How long a call may wait for its answer (ms). */
  timeoutMs: number;
  /** Largest answer accepted, as JSON (bytes). */
  maxResultBytes: number;
}

/** 60 s, the SDK's own default request timeout. */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** 16 MiB. */
export const DEFAULT_MAX_RESULT_BYTES = 16 * 1024 * 1024;

/** The limits with defaults filled in. @throws {TypeError} for a value that is not a positive integer */
export function callLimits(options: Partial<CallLimits>): CallLimits {
  const limits = {
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxResultBytes: options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES,
  };
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new TypeError(`${key} must be a positive integer, got ${String(value)}`);
    }
  }
  return limits;
}

/** The MCP origin of a runner tool, or `undefined` for a tool that is not an MCP server's. */
export function mcpToolInfo(definition: ToolDefinition | undefined): McpToolInfo | undefined {
  const info = (definition as Partial<McpToolDefinition> | undefined)?.mcp;
  return info && typeof info === 'object' && typeof info.server === 'string' ? info : undefined;
}

/** Options for {@link registerMcpTools}. */
export interface RegisterOptions {
  /** The server's name, kept on each tool. */
  server: string;
  /** Sends the calls. */
  send: ToolSender;
  /** Bounds on each call. */
  limits: CallLimits;
  /** Prepended to each tool's name in the runner (the server still gets its own name). */
  prefix?: string;
  /** Which tools to register (default: all). */
  include?: (tool: Tool) => boolean;
  /** A tool's gate options and tool-only gates in the runner (`gates`, `use`, `chargeOnError`). */
  toolGates?: (tool: Tool) => Pick<ToolDefinition, 'gates' | 'use' | 'chargeOnError'> | undefined;
}

/** A tool that could not be registered, and why. */
export interface SkippedTool {
  name: string;
  reason: string;
}

/**
 * Registers a server's tools into a runner, each with its input schema as the runner's argument schema (less its
 * `$schema`, so the runner's ajv reads draft-07 and 2020-12 tool schemas alike; a keyword ajv does not know is
 * still refused). Tools already registered under the same name are left as they were: a server cannot change a
 * tool's schema or annotations after the fact. A tool whose schema the runner refuses is skipped, never
 * registered without validation.
 */
export function registerMcpTools(
  runner: GatedToolRunner,
  tools: readonly Tool[],
  options: RegisterOptions,
): { registered: string[]; skipped: SkippedTool[] } {
  const registered: string[] = [];
  const skipped: SkippedTool[] = [];
  const known = new Set(runner.tools().map((t) => t.name));
  for (const tool of tools) {
    if (options.include && !options.include(tool)) continue;
    const name = `${options.prefix ?? ''}${tool.name}`;
    if (known.has(name)) continue;
    try {
      runner.register(mcpToolDefinition(tool, name, options));
      known.add(name);
      registered.push(name);
    } catch (err) {
      skipped.push({ name, reason: errorText(err) });
    }
  }
  return { registered, skipped };
}

function mcpToolDefinition(tool: Tool, name: string, options: RegisterOptions): McpToolDefinition {
  const pinned = structuredClone(tool);
  const { $schema: _dialect, ...parameters } = pinned.inputSchema as Record<string, unknown>;
  const definition: McpToolDefinition = {
    ...options.toolGates?.(pinned),
    name,
    parameters,
    handler: mcpHandler(pinned.name, options.send, options.limits),
    mcp: { server: options.server, tool: pinned },
  };
  if (pinned.description !== undefined) definition.description = pinned.description;
  return definition;
}

/**
 * The handler of an MCP tool: sends the validated (or, on resume, the approved) arguments with the host's
 * `_meta` and task request, and checks what comes back. Throws an {@link McpCallError} whose name is the reason
 * code when there is no usable answer, and `mcp_tool_error` when the tool reports its own failure.
 */
function mcpHandler(tool: string, send: ToolSender, limits: CallLimits) {
  return async (args: Record<string, unknown>, _ctx: HandlerContext): Promise<CallToolResult> => {
    const scope = currentCallScope();
    const params: CallToolRequestParams = { name: tool, arguments: args };
    if (scope?.meta) params._meta = scope.meta;
    if (scope?.task) params.task = scope.task as CallToolRequestParams['task'];
    let raw: unknown;
    try {
      raw = await send(params, { signal: scope?.signal, timeoutMs: limits.timeoutMs, onprogress: scope?.onprogress });
    } catch (err) {
      const error = toMcpCallError(err, tool, limits.timeoutMs);
      if (scope && error.code === McpReason.errorResponse && error.rpcError) scope.answer = { error: error.rpcError };
      throw error;
    }
    const result = checkResult(raw, tool, limits, params.task !== undefined);
    if (scope) scope.answer = { result };
    if (result.isError === true) {
      throw new McpCallError(McpReason.toolError, describe(McpReason.toolError, tool, resultText(result)));
    }
    return result as CallToolResult;
  };
}

function checkResult(raw: unknown, tool: string, limits: CallLimits, task: boolean): Record<string, unknown> {
  let bytes: number;
  try {
    bytes = Buffer.byteLength(JSON.stringify(raw) ?? '');
  } catch (err) {
    throw new McpCallError(McpReason.malformedResult, describe(McpReason.malformedResult, tool, errorText(err)));
  }
  if (bytes > limits.maxResultBytes) {
    const detail = `${bytes} bytes, over the ${limits.maxResultBytes}-byte limit`;
    throw new McpCallError(McpReason.outputTooLarge, describe(McpReason.outputTooLarge, tool, detail));
  }
  const parsed = (task ? CreateTaskResultSchema : CallToolResultSchema).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `/${issue.path.join('/')}` : '(root)';
    const detail = `${where}: ${issue?.message ?? 'not a tool result'}`;
    throw new McpCallError(McpReason.malformedResult, describe(McpReason.malformedResult, tool, detail));
  }
  // The result as the server sent it (validated), not zod's copy: a gateway passes it on unchanged.
  return raw as Record<string, unknown>;
}

/** The text blocks of a tool result, joined (at most 2,000 characters), for messages. */
export function resultText(result: Record<string, unknown>): string {
  const content = Array.isArray(result.content) ? result.content : [];
  const text = content
    .filter((c): c is { type: 'text'; text: string } => c?.type === 'text' && typeof c.text === 'string')
    .map((c) => c.text)
    .join('\n');
  if (text === '') return 'the tool reported an error and no text';
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

/** How a runner tool is listed to an MCP host: an MCP tool's own listing (under its runner name), or one built from its definition. */
export function hostTool(definition: ToolDefinition): Tool {
  const info = mcpToolInfo(definition);
  if (info) return { ...info.tool, name: definition.name };
  const tool: Tool = {
    name: definition.name,
    inputSchema: { type: 'object', ...definition.parameters } as Tool['inputSchema'],
  };
  if (definition.description !== undefined) tool.description = definition.description;
  return tool;
}
