// Attribute and span names. `gen_ai.*` and `error.type` are the OpenTelemetry semantic conventions (GenAI spans,
// "Execute tool span" and "Inference"; status: development); `tollgate.*` are this package's own.

/** `gen_ai.operation.name`: what the span does (`execute_tool`, `chat`). */
export const GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
/** `gen_ai.tool.name`: the tool called. */
export const GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
/** `gen_ai.tool.call.id`: the model's id for this tool call. */
export const GEN_AI_TOOL_CALL_ID = 'gen_ai.tool.call.id';
/** `gen_ai.tool.description`: the tool's description. */
export const GEN_AI_TOOL_DESCRIPTION = 'gen_ai.tool.description';
/** `gen_ai.tool.type`: `function` for every tool the runner calls. */
export const GEN_AI_TOOL_TYPE = 'gen_ai.tool.type';
/** `gen_ai.tool.call.arguments` (opt-in): the arguments' JSON, redacted. */
export const GEN_AI_TOOL_CALL_ARGUMENTS = 'gen_ai.tool.call.arguments';
/** `gen_ai.tool.call.result` (opt-in): the handler's return value as JSON, redacted. */
export const GEN_AI_TOOL_CALL_RESULT = 'gen_ai.tool.call.result';
/** `gen_ai.provider.name`: who serves the model (`openai`, `anthropic`…). */
export const GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
/** `gen_ai.request.model`: the model asked for. */
export const GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
/** `gen_ai.response.model`: the model that answered. */
export const GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
/** `gen_ai.response.id`: the provider's id of the response. */
export const GEN_AI_RESPONSE_ID = 'gen_ai.response.id';
/** `gen_ai.response.finish_reasons`: why the model stopped, one per choice. */
export const GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';
/** `gen_ai.usage.input_tokens`. */
export const GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
/** `gen_ai.usage.output_tokens`. */
export const GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
/** `error.type`: the class of error the operation ended with. */
export const ERROR_TYPE = 'error.type';

/** The `gen_ai.operation.name` of a tool call's span. */
export const EXECUTE_TOOL = 'execute_tool';

/** tollgate's own attributes, on the tool call's span. */
export const TollgateAttr = {
  /** How the call ended: `executed`, `blocked`, `approval_required`, `tool_error`, `allowed` (dry run). */
  status: 'tollgate.status',
  /** The stable reason code of the result (`executed`, `rate_limited`, `budget_exceeded`, …). */
  reason: 'tollgate.reason',
  /** The gate (or `validation`, `registry`, `approval`, `runner`) that blocked the call. */
  blockedBy: 'tollgate.blocked_by',
  /** The approval the call waits for, or was resumed from. */
  approvalId: 'tollgate.approval.id',
  /** Set on a resumed call: the approval it runs under. */
  resumedFrom: 'tollgate.resumed_from',
  /** tollgate's trace id of the call, as in its audit records (not the OpenTelemetry trace id). */
  traceId: 'tollgate.trace_id',
  /** `true` for a dry run (`runner.check`). */
  dryRun: 'tollgate.dry_run',
  /** ms from now after which a retry could succeed. */
  retryAfterMs: 'tollgate.retry_after_ms',
  /** The message the model was given, redacted. */
  message: 'tollgate.message',
  /** Failures after the fact (a reservation or an audit record that failed), redacted. */
  warnings: 'tollgate.warnings',
  /** The caller's actor, tenant and session (only with the `caller` option). */
  actor: 'tollgate.actor',
  tenant: 'tollgate.tenant',
  session: 'tollgate.session',
  /** On a decision event: the gate, its stage, its outcome, whether it was enforced. */
  gate: 'tollgate.gate',
  stage: 'tollgate.stage',
  outcome: 'tollgate.outcome',
  enforced: 'tollgate.enforced',
  /** On a decision event: the gate's own failure, when `failMode` decided the outcome. */
  gateError: 'tollgate.gate.error',
  /** On an approval span or event: the approval's status and who decided it. */
  approvalStatus: 'tollgate.approval.status',
  approvalBy: 'tollgate.approval.by',
  approvalExpiresAt: 'tollgate.approval.expires_at',
} as const;

/** Names of the span events: one per gate decision, one per approval created. */
export const DECISION_EVENT = 'tollgate.decision';
export const APPROVAL_EVENT = 'tollgate.approval';
