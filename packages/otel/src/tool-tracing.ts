import { type Attributes, context, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { bounded, boundedText, Redactor, type RedactorOptions } from '@tollgate/audit';
import type {
  ApprovalRecord,
  DecisionEvent,
  DecisionListener,
  Gate,
  GateContext,
  GateDecision,
  GateResult,
  ToolDefinition,
} from '@tollgate/core';
import {
  APPROVAL_EVENT,
  DECISION_EVENT,
  ERROR_TYPE,
  EXECUTE_TOOL,
  GEN_AI_OPERATION_NAME,
  GEN_AI_TOOL_CALL_ARGUMENTS,
  GEN_AI_TOOL_CALL_ID,
  GEN_AI_TOOL_CALL_RESULT,
  GEN_AI_TOOL_DESCRIPTION,
  GEN_AI_TOOL_NAME,
  GEN_AI_TOOL_TYPE,
  TollgateAttr as T,
} from './attributes.js';
import { tracerOf } from './tracer.js';

/** Which of the caller's fields become span attributes (`tollgate.actor`, `tollgate.tenant`, `tollgate.session`). */
export interface CallerAttributes {
  actor?: boolean;
  tenant?: boolean;
  session?: boolean;
}

/** Options for {@link ToolTracing}. */
export interface ToolTracingOptions {
  /** The tracer spans are made with (default: `@tollgate/otel`'s tracer from the globally registered provider). */
  tracer?: Tracer;
  /** Gate name (default `otel`); a tool with `gates: { otel: false }` still gets its span, without what `record` adds. */
  name?: string;
  /**
   * Record the arguments as `gen_ai.tool.call.arguments` (default false: spans carry no argument values), redacted
   * and bounded exactly as the audit record's `args`.
   */
  captureArguments?: boolean;
  /** Record the handler's return value as `gen_ai.tool.call.result` (default false), redacted and bounded likewise. */
  captureResults?: boolean;
  /** Record who called: `true` for actor, tenant and session, or pick (default false: none). */
  caller?: boolean | CallerAttributes;
  /** Record the messages the model was given (the result's, each decision's), redacted (default true). */
  messages?: boolean;
  /** What to redact in captured values and messages: a `Redactor` of `@tollgate/audit` or its options (default: its defaults). */
  redact?: Redactor | RedactorOptions;
  /** Longest JSON text kept of a captured value, and longest message (default 4096 chars). */
  maxValueChars?: number;
}

/** tollgate's reasons for a call that failed inside tollgate rather than by a policy: the span status is ERROR. */
const FAILURE_REASONS = new Set(['gate_error', 'store_unavailable', 'approval_store_error']);

/**
 * One OpenTelemetry span per gated tool call, named `execute_tool {tool}` (kind INTERNAL) with the GenAI semantic
 * conventions' attributes (`gen_ai.operation.name`, `gen_ai.tool.name`, `gen_ai.tool.call.id`, `gen_ai.tool.type`,
 * `gen_ai.tool.description`, `error.type`) and tollgate's own under `tollgate.` (status, reason, blocked_by,
 * approval id…), one `tollgate.decision` event per gate decision and a `tollgate.approval` event when the call
 * asks for one. A `tool_error` sets the span status to ERROR and records the exception; so does a call tollgate
 * itself failed (`gate_error`, `store_unavailable`). A policy's block or an approval is not an error.
 *
 * It listens to the runner's decision events (which open, annotate and end the span) and is a gate of the
 * `audit` stage whose `record` adds what only the call's context holds (caller, description, arguments):
 * `tracing.instrument(runner)` wires both. The span's parent is the context active where `runner.call` was
 * called (a model turn's span, {@link modelTurn}); it starts with the call's first event, after argument parsing.
 * To make the span the parent of what a handler does itself (HTTP calls, queries), register tools through
 * {@link wrapTool}. A human's later approve or deny becomes a span of its own, `tollgate.approval {tool}`.
 *
 * Telemetry never breaks a call: the runner swallows a listener's errors, and `record` only sets attributes.
 */
export class ToolTracing implements Gate {
  /** Gate name (default `otel`). */
  readonly name: string;
  /** Always `audit`: `record` sees every call's result. */
  readonly stage = 'audit' as const;
  /** The decision listener: pass it as `onDecision` or to `runner.onDecision` (or use {@link instrument}). */
  readonly listener: DecisionListener;
  private readonly tracer: Tracer;
  private readonly args: boolean;
  private readonly results: boolean;
  private readonly caller: Required<CallerAttributes>;
  private readonly messages: boolean;
  private readonly redactor: Redactor;
  private readonly maxValueChars: number;
  /** Spans of calls in flight, by tollgate trace id and call id. */
  private readonly open = new Map<string, Span>();
  /** What `record` found for a call that had no span yet; weak, so a gate used without the listener keeps nothing. */
  private readonly recorded = new WeakMap<GateResult, Attributes>();

  /** @throws TypeError for a `maxValueChars` below 64 */
  constructor(options: ToolTracingOptions = {}) {
    this.name = options.name ?? 'otel';
    this.tracer = options.tracer ?? tracerOf();
    this.args = options.captureArguments ?? false;
    this.results = options.captureResults ?? false;
    const caller = options.caller ?? false;
    this.caller =
      typeof caller === 'boolean'
        ? { actor: caller, tenant: caller, session: caller }
        : { actor: caller.actor ?? false, tenant: caller.tenant ?? false, session: caller.session ?? false };
    this.messages = options.messages ?? true;
    this.redactor = options.redact instanceof Redactor ? options.redact : new Redactor(options.redact);
    this.maxValueChars = options.maxValueChars ?? 4096;
    if (!Number.isSafeInteger(this.maxValueChars) || this.maxValueChars < 64) {
      throw new TypeError('ToolTracing: maxValueChars must be an integer >= 64');
    }
    this.listener = (event) => this.onEvent(event);
  }

  /**
   * Adds this gate to the runner and subscribes to its events.
   * @returns a function that unsubscribes (the gate stays, and does nothing for calls without a span)
   */
  instrument(runner: { use(gate: Gate): unknown; onDecision(listener: DecisionListener): () => void }): () => void {
    runner.use(this);
    return runner.onDecision(this.listener);
  }

  /**
   * The tool with its handler run inside the call's span, so spans the handler starts are its children. Register
   * the returned definition instead of the original.
   */
  wrapTool<T extends ToolDefinition>(tool: T): T {
    const handler = tool.handler;
    const spans = this.open;
    return {
      ...tool,
      handler(this: unknown, args: unknown, ctx: GateContext) {
        const span = spans.get(keyOf(ctx.traceId, ctx.callId));
        const run = () => handler.call(tool, args, ctx as Parameters<T['handler']>[1]);
        return span ? context.with(trace.setSpan(context.active(), span), run) : run();
      },
    };
  }

  /**
   * Adds what the call's context holds to its span: caller, description, arguments. Runs before the result event;
   * for a call without a span yet (an unknown tool), what it adds waits on the result object for that event.
   */
  record(result: GateResult, ctx: GateContext): void {
    const attrs: Attributes = {};
    if (ctx.definition?.description) attrs[GEN_AI_TOOL_DESCRIPTION] = ctx.definition.description;
    if (this.caller.actor && ctx.actor !== undefined) attrs[T.actor] = ctx.actor;
    if (this.caller.tenant && ctx.tenant !== undefined) attrs[T.tenant] = ctx.tenant;
    if (this.caller.session && ctx.session !== undefined) attrs[T.session] = ctx.session;
    if (this.args) attrs[GEN_AI_TOOL_CALL_ARGUMENTS] = this.json(ctx.args);
    if (this.results && 'result' in result) attrs[GEN_AI_TOOL_CALL_RESULT] = this.json(result.result);
    const span = this.open.get(keyOf(ctx.traceId, ctx.callId));
    if (span) span.setAttributes(attrs);
    else this.recorded.set(result, attrs);
  }

  private onEvent(event: DecisionEvent): void {
    if (event.type === 'decision') {
      this.spanOf(event.traceId, event.callId, event.tool).addEvent(
        DECISION_EVENT,
        this.decisionAttributes(event.decision),
      );
    } else if (event.type === 'approval') {
      const span = this.open.get(keyOf(event.traceId, event.callId));
      if (span) span.addEvent(APPROVAL_EVENT, this.approvalAttributes(event.approval));
      else this.approvalSpan(event.approval);
    } else {
      this.end(event.traceId, event.callId, event.result);
    }
  }

  /** The call's open span, started now when it has none yet (in the context active where the call runs). */
  private spanOf(traceId: string, callId: string, tool: string): Span {
    const key = keyOf(traceId, callId);
    let span = this.open.get(key);
    if (!span) {
      span = this.tracer.startSpan(`${EXECUTE_TOOL} ${tool}`, {
        kind: SpanKind.INTERNAL,
        attributes: {
          [GEN_AI_OPERATION_NAME]: EXECUTE_TOOL,
          [GEN_AI_TOOL_NAME]: tool,
          [GEN_AI_TOOL_CALL_ID]: callId,
          [GEN_AI_TOOL_TYPE]: 'function',
          [T.traceId]: traceId,
        },
      });
      this.open.set(key, span);
    }
    return span;
  }

  private end(traceId: string, callId: string, result: GateResult): void {
    const span = this.spanOf(traceId, callId, result.tool);
    this.open.delete(keyOf(traceId, callId));
    const recorded = this.recorded.get(result);
    if (recorded) span.setAttributes(recorded);
    const attrs: Attributes = { [T.status]: result.status, [T.reason]: result.reason };
    if (result.blockedBy !== undefined) attrs[T.blockedBy] = result.blockedBy;
    const approvalId = result.approval?.id ?? result.resumedFrom;
    if (approvalId !== undefined) attrs[T.approvalId] = approvalId;
    if (result.resumedFrom !== undefined) attrs[T.resumedFrom] = result.resumedFrom;
    if (result.dryRun) attrs[T.dryRun] = true;
    if (result.retryAfterMs !== undefined) attrs[T.retryAfterMs] = result.retryAfterMs;
    if (this.messages) attrs[T.message] = this.text(result.message);
    if (result.warnings?.length) attrs[T.warnings] = result.warnings.map((w) => this.text(w));
    if (result.status === 'tool_error') {
      const error = result.error ?? { name: 'Error', message: result.message };
      attrs[ERROR_TYPE] = error.name;
      span.recordException({ name: error.name, message: this.text(error.message) });
      span.setStatus({ code: SpanStatusCode.ERROR, message: this.text(`${error.name}: ${error.message}`) });
    } else if (FAILURE_REASONS.has(result.reason)) {
      attrs[ERROR_TYPE] = result.reason;
      span.setStatus({ code: SpanStatusCode.ERROR, message: this.text(result.message) });
    }
    span.setAttributes(attrs);
    span.end();
  }

  private decisionAttributes(d: GateDecision): Attributes {
    const attrs: Attributes = {
      [T.gate]: d.gate,
      [T.stage]: d.stage,
      [T.outcome]: d.outcome,
      [T.reason]: d.reason,
      [T.enforced]: d.enforced !== false,
    };
    if (d.retryAfterMs !== undefined) attrs[T.retryAfterMs] = d.retryAfterMs;
    if (this.messages && d.message !== undefined) attrs[T.message] = this.text(d.message);
    if (d.error) attrs[T.gateError] = this.text(`${d.error.name}: ${d.error.message}`);
    return attrs;
  }

  private approvalAttributes(a: ApprovalRecord): Attributes {
    const attrs: Attributes = {
      [T.approvalId]: a.id,
      [T.approvalStatus]: a.status,
      [T.reason]: a.reason,
      [T.approvalExpiresAt]: new Date(a.expiresAt).toISOString(),
    };
    if (this.caller.actor && a.decision?.by !== undefined) attrs[T.approvalBy] = a.decision.by;
    return attrs;
  }

  /** A human's decision on an approval, outside any call: a span of its own, in the active context. */
  private approvalSpan(a: ApprovalRecord): void {
    const span = this.tracer.startSpan(`${APPROVAL_EVENT} ${a.tool}`, {
      kind: SpanKind.INTERNAL,
      attributes: {
        [GEN_AI_TOOL_NAME]: a.tool,
        [GEN_AI_TOOL_CALL_ID]: a.callId,
        ...(a.context.traceId === undefined ? {} : { [T.traceId]: a.context.traceId }),
        ...this.approvalAttributes(a),
      },
    });
    span.end();
  }

  /** A value as the audit keeps it (redacted, bounded), as JSON text. */
  private json(value: unknown): string {
    try {
      return JSON.stringify(bounded(value, this.redactor, this.maxValueChars).value) ?? 'null';
    } catch {
      return '"[unserializable]"';
    }
  }

  private text(value: string): string {
    return boundedText(value, this.redactor, this.maxValueChars);
  }
}

function keyOf(traceId: string, callId: string): string {
  return `${traceId}\u0000${callId}`;
}
