import type {
  ElicitRequestFormParams,
  ElicitResult,
  Implementation,
  Progress,
} from '@modelcontextprotocol/sdk/types.js';
import {
  type ApprovalRecord,
  type CallContext,
  callerOf,
  describeRefusal,
  errorText,
  type GatedToolRunner,
  type GateResult,
  type Json,
  type ProvenanceRecorder,
  parseArguments,
  Reason,
  sha256Canonical,
} from '@tollgate/core';
import { type CallScope, inCallScope, type ServerAnswer } from './call-scope.js';
import { denialOf, denialResult, type McpDenial, valueResult } from './results.js';

/** The `_meta` key a host may set on `tools/call` to run the call under a given approval (`apr_…`). */
export const APPROVAL_META_KEY = 'tollgate/approval';

/** How approvals are asked for through the host's elicitation (MCP `elicitation/create`, form mode). */
export interface ElicitationOptions {
  /** Who the decision is recorded as made by (default `mcp-elicitation:<the host's client name>`). */
  by?: string | ((client: Implementation | undefined) => string);
  /** How long to wait for the person, in ms (default 10 minutes, never past the approval's expiry). */
  timeoutMs?: number;
}

/** Options for {@link GatedToolCalls}. */
export interface GatedToolCallsOptions {
  /**
   * Facts every approval made here is bound to (core's `CallContext.bind`), e.g. `{ mcpServer: 'filesystem' }`,
   * so an approval cannot be used through another gateway that shares its approval store.
   */
  bind?: Readonly<Record<string, Json>>;
  /** Ask the host's user through elicitation when the host supports it (the default); `false` never asks. */
  elicitation?: ElicitationOptions | false;
  /** How many paused calls are remembered for their repeat call (default 10,000; the oldest is forgotten first). */
  maxTracked?: number;
  /**
   * Makes a provenance recorder for each host session (`() => new ProvenanceLog()` from `@tollgate/provenance`).
   * Every tool result a session's host receives is recorded in it as untrusted tool output, and its calls carry it
   * as `ctx.provenance`, so a `ProvenanceGate` can tell when an argument came only from an earlier tool's output.
   * The gateway never sees the host's user messages: a value the user typed occurs nowhere, as in a fresh run.
   */
  provenance?: () => ProvenanceRecorder;
}

/** One `tools/call`, as the host sent it. */
export interface ToolCallRequest {
  name: string;
  arguments?: Record<string, unknown>;
  _meta?: Record<string, unknown>;
  task?: Record<string, unknown>;
}

/** What a gateway knows about the host a call came from. */
export interface HostSession {
  /** Who the call runs as (actor, tenant, scopes…). */
  context: CallContext;
  /** The host's `clientInfo`. */
  client?: Implementation;
  /** Asks the host's user (form elicitation); absent when the host does not support it. */
  elicit?: (
    params: ElicitRequestFormParams,
    options: { timeoutMs: number; signal?: AbortSignal },
  ) => Promise<ElicitResult>;
  /** Aborted when the host cancels the call. */
  signal?: AbortSignal;
  /** Relays progress under the host's token (see {@link CallScope.onprogress}). */
  onprogress?: (progress: Progress) => void;
  /** The session's provenance ({@link GatedToolCalls.newProvenance}); tool results are recorded into it. */
  provenance?: ProvenanceRecorder;
}

/** What a `tools/call` is answered with: a result, or the server's own JSON-RPC error passed on unchanged. */
export type ToolCallAnswer = ServerAnswer;

const DEFAULT_ELICIT_MS = 10 * 60_000;

/**
 * Answers MCP `tools/call` requests through a {@link GatedToolRunner}: the shared core of the gated server and the
 * proxy. A call the gates allow returns the server's own answer unchanged; a blocked call returns `isError: true`
 * with the {@link McpDenial}; a call that needs approval returns a result naming the approval (`apr_…`), and,
 * where the host supports elicitation, first asks the host's user, recording the answer with `runner.approve` or
 * `runner.deny` like any decision (a decision made elsewhere first, say `tollgate approvals deny`, wins).
 *
 * A paused call is remembered by its tool, arguments and caller: when the model calls again with the same
 * arguments, it gets "still waiting" (no second approval) until a person decides, and once approved the repeat
 * call resumes the approval (`runner.resume`, which re-checks the digest and the other gates and runs it once). A
 * host may also name the approval in `_meta["tollgate/approval"]`.
 */
export class GatedToolCalls {
  private readonly bind: Readonly<Record<string, Json>> | undefined;
  private readonly elicitation: Required<ElicitationOptions> | undefined;
  private readonly maxTracked: number;
  private readonly tracked = new Map<string, string>();
  private readonly provenance: (() => ProvenanceRecorder) | undefined;

  constructor(options: GatedToolCallsOptions = {}) {
    this.bind = options.bind;
    this.provenance = options.provenance;
    this.maxTracked = options.maxTracked ?? 10_000;
    const e = options.elicitation;
    this.elicitation =
      e === false
        ? undefined
        : {
            by: e?.by ?? ((client) => `mcp-elicitation:${client?.name ?? 'host'}`),
            timeoutMs: e?.timeoutMs ?? DEFAULT_ELICIT_MS,
          };
  }

  /** A new host session's provenance recorder, when the options give a factory. */
  newProvenance(): ProvenanceRecorder | undefined {
    return this.provenance?.();
  }

  /** Answers one call. Never throws: whatever goes wrong becomes a result. */
  async answer(runner: GatedToolRunner, request: ToolCallRequest, session: HostSession): Promise<ToolCallAnswer> {
    try {
      return await this.route(runner, request, session);
    } catch (err) {
      return denied({
        status: 'blocked',
        reason: Reason.gateError,
        message: `The call failed inside tollgate: ${errorText(err)}. It did not run.`,
      });
    }
  }

  private async route(
    runner: GatedToolRunner,
    request: ToolCallRequest,
    session: HostSession,
  ): Promise<ToolCallAnswer> {
    const { [APPROVAL_META_KEY]: named, ...meta } = request._meta ?? {};
    let context = this.bind === undefined ? session.context : { ...session.context, bind: this.bind };
    if (session.provenance) context = { ...context, provenance: session.provenance };
    const call: Call = {
      runner,
      request,
      session,
      context,
      scope: { signal: session.signal, onprogress: session.onprogress },
      key: undefined,
    };
    if (request._meta !== undefined) call.scope.meta = meta;
    if (request.task !== undefined) call.scope.task = request.task;
    const parsed = parseArguments(request.arguments ?? {});
    if (parsed.ok) call.key = this.keyOf(request.name, parsed.args, call.context);
    if (typeof named === 'string') return this.resumeNamed(call, named);
    const tracked = call.key === undefined ? undefined : this.tracked.get(call.key);
    if (tracked !== undefined) {
      const answer = await this.resumeTracked(call, tracked);
      if (answer) return answer;
    }
    const result = await inCallScope(call.scope, () =>
      runner.call(request.name, request.arguments ?? {}, call.context),
    );
    return this.settle(call, result);
  }

  /** A call naming its approval: that approval, for this tool, or a refusal. */
  private async resumeNamed(call: Call, id: string): Promise<ToolCallAnswer> {
    const record = await this.read(call.runner, id);
    if (typeof record === 'string')
      return denied({ status: 'blocked', reason: Reason.approvalStoreError, message: record });
    if (!record || record.tool !== call.request.name) {
      return denied({
        status: 'blocked',
        reason: Reason.approvalNotFound,
        message: `No approval ${id} exists for ${call.request.name}; call the tool without it to ask for one.`,
      });
    }
    if (record.status === 'pending') return this.waiting(call, record);
    return this.resume(call, id);
  }

  /** The repeat of a paused call: runs it once approved, waits while pending; `undefined` to treat it as new. */
  private async resumeTracked(call: Call, id: string): Promise<ToolCallAnswer | undefined> {
    const record = await this.read(call.runner, id);
    if (typeof record === 'string')
      return denied({ status: 'blocked', reason: Reason.approvalStoreError, message: record });
    switch (record?.status) {
      case 'approved':
        return this.resume(call, id);
      case 'pending':
        return this.waiting(call, record);
      case 'denied': {
        this.forget(call.key);
        const [reason, message] = describeRefusal('denied');
        return denied({ status: 'blocked', reason, message, approval_id: id });
      }
      default:
        // Used, expired or gone: this is a new call, which the gates judge afresh.
        this.forget(call.key);
        return undefined;
    }
  }

  private async resume(call: Call, id: string): Promise<ToolCallAnswer> {
    this.forget(call.key);
    const expect = { args: call.request.arguments ?? {}, context: call.context, bind: call.context.bind };
    const result = await inCallScope(call.scope, () => call.runner.resume(id, { expect }));
    return this.settle(call, result);
  }

  /** A call that is (still) waiting: ask the person when the host can, else say it waits. */
  private waiting(call: Call, record: Pick<ApprovalRecord, 'id' | 'message' | 'expiresAt'>): Promise<ToolCallAnswer> {
    if (call.session.elicit && this.elicitation) return this.ask(call, record);
    return Promise.resolve(stillWaiting(record.id, record.expiresAt));
  }

  private async settle(call: Call, result: GateResult): Promise<ToolCallAnswer> {
    switch (result.status) {
      case 'executed':
        return recorded(call, result, call.scope.answer ?? { result: valueResult(result.result) });
      case 'tool_error':
        // The server's own error result or JSON-RPC error goes back as it came.
        return recorded(call, result, call.scope.answer ?? denied(denialOf(result)));
      case 'approval_required': {
        const approval = result.approval;
        if (!approval) return denied(denialOf(result));
        this.track(call.key, approval.id);
        if (call.session.elicit && this.elicitation) {
          return this.ask(call, { id: approval.id, message: result.message, expiresAt: approval.expiresAt });
        }
        return denied(denialOf(result));
      }
      default:
        return denied(denialOf(result));
    }
  }

  /** Asks the host's user; their answer is recorded in the approval store like any decision. */
  private async ask(
    call: Call,
    approval: Pick<ApprovalRecord, 'id' | 'message' | 'expiresAt'>,
  ): Promise<ToolCallAnswer> {
    const options = this.elicitation!;
    const timeoutMs = Math.min(options.timeoutMs, approval.expiresAt - call.runner.clock.now());
    if (timeoutMs <= 0) return stillWaiting(approval.id, approval.expiresAt);
    let reply: ElicitResult;
    try {
      reply = await call.session.elicit!(elicitParams(call.request, approval), {
        timeoutMs,
        signal: call.session.signal,
      });
    } catch (err) {
      return stillWaiting(approval.id, approval.expiresAt, `The host could not ask the user (${errorText(err)}).`);
    }
    if (reply.action === 'cancel') return stillWaiting(approval.id, approval.expiresAt);
    const by = typeof options.by === 'function' ? options.by(call.session.client) : options.by;
    const comment =
      typeof reply.content?.comment === 'string' && reply.content.comment !== '' ? reply.content.comment : undefined;
    const decision = comment === undefined ? { by } : { by, comment };
    if (reply.action === 'accept' && reply.content?.approve === true) {
      // Approved here or, first, elsewhere: resume re-reads the store, so a denial made meanwhile still wins.
      await call.runner.approve(approval.id, decision);
      return this.resume(call, approval.id);
    }
    this.forget(call.key);
    await call.runner.deny(approval.id, decision);
    return denied({
      status: 'blocked',
      reason: Reason.approvalDenied,
      message: 'The user declined this call; it did not run. Do not retry it; ask the user how to proceed.',
      approval_id: approval.id,
    });
  }

  private async read(runner: GatedToolRunner, id: string): Promise<ApprovalRecord | undefined | string> {
    try {
      return await runner.getApproval(id);
    } catch (err) {
      return `The approval store could not be read (${errorText(err)}); the call did not run. Try again later.`;
    }
  }

  private keyOf(tool: string, args: Record<string, unknown>, context: CallContext): string | undefined {
    try {
      return sha256Canonical({ tool, args, caller: callerOf(context), bind: context.bind ?? null } as unknown as Json);
    } catch {
      return undefined;
    }
  }

  private track(key: string | undefined, id: string): void {
    if (key === undefined) return;
    this.tracked.delete(key);
    this.tracked.set(key, id);
    if (this.tracked.size > this.maxTracked) this.tracked.delete(this.tracked.keys().next().value as string);
  }

  private forget(key: string | undefined): void {
    if (key !== undefined) this.tracked.delete(key);
  }
}

interface Call {
  runner: GatedToolRunner;
  request: ToolCallRequest;
  session: HostSession;
  context: CallContext;
  scope: CallScope;
  key: string | undefined;
}

/** Records what the host's model will read of a tool's answer (its text and structured content) as tool output. */
function recorded(call: Call, result: GateResult, answer: ToolCallAnswer): ToolCallAnswer {
  const recorder = call.session.provenance;
  if (!recorder) return answer;
  const source = { origin: 'tool', tool: call.request.name, callId: result.callId } as const;
  for (const content of readable(answer)) recorder.record(source, content);
  return answer;
}

/** The parts of an answer a model reads: an error's message, or a result's texts and structured content. */
function readable(answer: ToolCallAnswer): unknown[] {
  if ('error' in answer) return [answer.error.message];
  const { content, structuredContent } = answer.result;
  const parts = Array.isArray(content)
    ? (content as { text?: unknown; resource?: { text?: unknown } }[]).flatMap((part) => {
        const text = part?.text ?? part?.resource?.text;
        return typeof text === 'string' ? [text] : [];
      })
    : [];
  return structuredContent === undefined ? parts : [...parts, structuredContent];
}

function denied(denial: McpDenial): ToolCallAnswer {
  return { result: denialResult(denial) };
}

function stillWaiting(id: string, expiresAt: number, note?: string): ToolCallAnswer {
  const [reason, message] = describeRefusal(Reason.approvalPending);
  return denied({
    status: 'approval_required',
    reason,
    message: `${note ? `${note} ` : ''}${message} It waits for approval ${id}; once a person approves it, call this tool again with exactly the same arguments.`,
    approval_id: id,
    approval_expires_at: new Date(expiresAt).toISOString(),
  });
}

const ARGS_PREVIEW = 2000;

function elicitParams(
  request: ToolCallRequest,
  approval: Pick<ApprovalRecord, 'id' | 'message' | 'expiresAt'>,
): ElicitRequestFormParams {
  let args = JSON.stringify(request.arguments ?? {}, null, 2);
  if (args.length > ARGS_PREVIEW) args = `${args.slice(0, ARGS_PREVIEW)}… (${args.length} characters)`;
  const why = approval.message ? `\n\nWhy it needs approval: ${approval.message}` : '';
  return {
    mode: 'form',
    message: `Approve this tool call? ${request.name} wants to run with:\n${args}${why}\n\n(tollgate approval ${approval.id}, expires ${new Date(approval.expiresAt).toISOString()})`,
    requestedSchema: {
      type: 'object',
      properties: {
        approve: {
          type: 'boolean',
          title: 'Run this call',
          description: 'Check to approve it; leave it unchecked, or decline, to deny it.',
          default: false,
        },
        comment: { type: 'string', title: 'Comment', description: 'Optional: why.' },
      },
      required: ['approve'],
    },
  };
}
