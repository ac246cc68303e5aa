/** A source of wall-clock time in milliseconds since the epoch. Inject a fake one in tests. */
export interface Clock {
  now(): number;
}

/** The machine clock (`Date.now()`). */
export const systemClock: Clock = { now: () => Date.now() };

/** Plain JSON, the shape tool arguments take once parsed. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Who is calling and on whose behalf; every field is optional and serializable. */
export interface CallContext {
  /** The model's tool call id (`call_…`); generated when absent. */
  callId?: string;
  /** The agent or end user acting (kitelogik's principal). */
  actor?: string;
  /** The tenant (organisation) the call belongs to. */
  tenant?: string;
  /** The conversation or run the call belongs to. */
  session?: string;
  /** Scopes the caller holds (kitelogik's `session_scopes`). */
  scopes?: readonly string[];
  /** Roles the caller holds. */
  roles?: readonly string[];
  /** Free-form data for gates (e.g. `environment`, `risk`). */
  metadata?: Record<string, unknown>;
  /** Groups the events of one agent run; generated when absent. */
  traceId?: string;
}

/** What every gate sees: the call, its parsed arguments and who makes it. */
export interface GateContext<Args = Record<string, unknown>> {
  /** Tool name as the model called it. */
  readonly tool: string;
  /** Arguments after parsing and schema validation (for `validation`-stage failures: as far as they parsed). */
  readonly args: Args;
  readonly callId: string;
  readonly actor: string | undefined;
  readonly tenant: string | undefined;
  readonly session: string | undefined;
  readonly scopes: readonly string[];
  readonly roles: readonly string[];
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly traceId: string;
  /** The runner's clock: gates read time from here, never from `Date.now()`, so tests can move it. */
  readonly clock: Clock;
  /** True for {@link GatedToolRunner.check}: evaluate only, consume and reserve nothing. */
  readonly dryRun: boolean;
  /** The tool's definition, or `undefined` for an unknown tool. */
  readonly definition: ToolDefinition | undefined;
}

/** What a handler gets besides its arguments. */
export interface HandlerContext extends GateContext {
  /**
   * Reports a figure known only after the work is done, read by gates when they commit
   * (e.g. `report('cost', '12.50')` for a budget reserved on an estimate). Values are decimal strings or numbers.
   */
  report(key: string, value: unknown): void;
}

/** A tool the runner can call: its schema for the model, its function, and its gate options. */
// biome-ignore lint/suspicious/noExplicitAny: a registry holds tools of every argument type.
export interface ToolDefinition<Args = any, Result = unknown> {
  /** Unique name, as the model will call it. */
  name: string;
  /** What the tool does, for the model. */
  description?: string;
  /** JSON Schema of the arguments object (draft 2020-12 keywords ajv supports in strict mode). */
  parameters: Record<string, unknown>;
  /** OpenAI structured-outputs `strict` flag passed through to the tool schema. */
  strict?: boolean;
  /** The real function. It never runs on arguments that failed validation. */
  handler(args: Args, ctx: HandlerContext): Result | Promise<Result>;
  /**
   * Per-tool gate options, keyed by gate name: they override the gate's defaults for this tool
   * (as actiongate-openai's `register` takes a policy, budget and rule per tool). `false` skips that gate.
   */
  gates?: Record<string, unknown>;
  /** Gates that apply to this tool only; they run in their stage with the runner's gates. */
  use?: readonly Gate[];
  /** Charge reservations (spend, rate points) when the handler throws; overrides the runner's option. */
  chargeOnError?: boolean;
}

/** The pipeline's stages, in the order the runner runs them. `execute` is the handler itself. */
export const STAGES = ['validation', 'rate', 'budget', 'rule', 'decision', 'audit'] as const;
/** A stage a gate can declare. */
export type Stage = (typeof STAGES)[number];

/** What a gate decided. */
export type GateOutcome = 'allow' | 'block' | 'require_approval';

/** One gate's verdict on one call. */
export interface GateDecision {
  outcome: GateOutcome;
  /** Name of the gate that decided. */
  gate: string;
  /** Stage the gate ran in. */
  stage: Stage | 'registry';
  /** Stable machine code, e.g. `rate_limited`, `budget_exceeded`, `gate_error`; `ok` for a plain allow. */
  reason: string;
  /** Meant for the model: what happened and what it can do next. */
  message?: string;
  /** When retrying could succeed, in ms from now. */
  retryAfterMs?: number;
  /** Gate-specific detail for the application (spent, matched rules, raw decision…); not sent to the model. */
  data?: Record<string, unknown>;
  /** Set when the gate itself failed and `failMode` decided the outcome. */
  error?: { name: string; message: string };
}

/** What a gate's `check` returns: a decision, optionally holding something until the call ends. */
export type GateVerdict = Omit<GateDecision, 'gate' | 'stage'> & {
  /** Held state (a rate point, a spend): committed when the handler succeeds, released otherwise. */
  reservation?: Reservation;
};

/** What the runner tells a reservation when the call ends. */
export interface SettleInfo {
  /** Final status of the call. */
  status: GateStatus;
  /** The handler's return value (on success). */
  result?: unknown;
  /** The handler's error (on `tool_error`). */
  error?: { name: string; message: string };
  /** Figures the handler reported with `ctx.report`. */
  reported: Readonly<Record<string, unknown>>;
  /**
   * Adds a warning to the call's result without failing the settlement (e.g. "the actual cost was above the
   * estimate; it was charged"). A throw from `commit`/`release` is reported as a failure to settle instead.
   */
  warn(message: string): void;
}

/**
 * State a gate holds for a call in flight. Exactly one of `commit` or `release` is called, once.
 * Errors thrown here are caught and surfaced as audit-visible gate errors; they never fail the call.
 */
export interface Reservation {
  /** The call ran (or failed with `chargeOnError`): make the hold permanent. */
  commit(info: SettleInfo): void | Promise<void>;
  /** The call did not run, or failed: give the hold back. */
  release(info: SettleInfo): void | Promise<void>;
}

/** Options every gate takes. */
export interface GateOptions {
  /** Name in decisions and results; unique within a runner. */
  name?: string;
  /** When the gate itself errors: `'closed'` (default) blocks with `gate_error`, `'open'` allows and records it. */
  failMode?: 'open' | 'closed';
}

/**
 * The gate protocol. A gate declares its stage; the runner orders gates by stage whatever order they are
 * passed in, and the first block stops the pipeline.
 */
export interface Gate {
  readonly name: string;
  readonly stage: Exclude<Stage, 'validation'>;
  readonly failMode?: 'open' | 'closed';
  /**
   * Decides on a call before the handler runs. `options` are the tool's `gates[name]` entry, if any.
   * Must not consume or reserve anything when `ctx.dryRun` is true.
   */
  check?(ctx: GateContext, options: unknown): GateVerdict | Promise<GateVerdict>;
  /**
   * Checks a tool's `gates[name]` options when the tool is registered (or the gate added), so a bad option
   * fails at start-up rather than on the tool's first call. Throw (e.g. `TypeError`) to refuse them.
   */
  validateToolOptions?(options: unknown, tool: string): void;
  /** Sees every call's final result, whatever its status (audit sinks, telemetry). Errors are reported, not thrown. */
  record?(result: GateResult, ctx: GateContext): void | Promise<void>;
  /** Told when a human decides an approval this gate asked for (e.g. to resolve it on BIGHUB). */
  onApprovalDecision?(approval: ApprovalRecord): void | Promise<void>;
}

/** How a call ended. */
export type GateStatus = 'executed' | 'blocked' | 'approval_required' | 'tool_error' | 'allowed';

/** The pending approval a call is waiting for. */
export interface ApprovalTicket {
  id: string;
  /** Gates that asked for approval (usually one); a resume skips exactly these. */
  gates: string[];
  reason: string;
  message?: string;
  /** Expiry, ms since the epoch; an approval not decided by then counts as denied. */
  expiresAt: number;
  /** SHA-256 (hex) of the RFC 8785 canonical JSON of `{tool, callId, args}`. */
  digest: string;
  /** Each asking gate's data, by gate name (e.g. BIGHUB's `request_id`). */
  data: Record<string, Record<string, unknown> | undefined>;
}

/** Where time went, in ms. */
export interface GateTimings {
  startedAt: number;
  gatesMs: number;
  handlerMs: number;
  totalMs: number;
}

/** The one shape every call ends as, whatever happened. */
export interface GateResult<R = unknown> {
  /**
   * `executed`: the handler ran and returned; `blocked`: a gate (or validation) stopped it;
   * `approval_required`: it waits for a human; `tool_error`: the handler threw;
   * `allowed`: only from a dry run ({@link GatedToolRunner.check}), the call would run.
   */
  status: GateStatus;
  /** True for `executed` and `allowed`. */
  allowed: boolean;
  tool: string;
  callId: string;
  /** The handler's return value. */
  result?: R;
  /** The handler's error, by name and message. */
  error?: { name: string; message: string };
  /** Gate (or `validation`, `registry`, `approval`) that stopped the call. */
  blockedBy?: string;
  /** Stable machine reason code. */
  reason: string;
  /** For the model: what happened and what it can do. */
  message: string;
  retryAfterMs?: number;
  /** Every decision taken, in pipeline order. */
  decisions: GateDecision[];
  /** The pending approval, for `approval_required`. */
  approval?: ApprovalTicket;
  /** Set when this result comes from {@link GatedToolRunner.resume}. */
  resumedFrom?: string;
  /** Failures after the fact (a reservation that failed to settle, an audit sink that failed): never silent. */
  warnings?: string[];
  dryRun?: boolean;
  traceId: string;
  /** Unique id of this result. */
  eventId: string;
  timings: GateTimings;
}

/** Lifecycle of a stored approval. */
export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'consumed' | 'expired';

/** A human's decision on an approval. */
export interface ApprovalDecision {
  /** Who decided (user id or e-mail). */
  by: string;
  comment?: string;
}

/** A stored approval: everything needed to resume the call later, in another process if need be. */
export interface ApprovalRecord {
  id: string;
  status: ApprovalStatus;
  tool: string;
  callId: string;
  args: Record<string, unknown>;
  digest: string;
  /** The serializable call context (actor, tenant, scopes…). */
  context: CallContext;
  /** Gates that asked for approval; a resume re-runs every other gate. */
  gates: string[];
  reason: string;
  message?: string;
  /** Each asking gate's data, by gate name. */
  data: Record<string, Record<string, unknown> | undefined>;
  /** ms since the epoch */
  createdAt: number;
  /** ms since the epoch */
  expiresAt: number;
  decision?: ApprovalDecision & { status: 'approved' | 'denied'; at: number };
  /** ms since the epoch, set when a resume consumed it. */
  consumedAt?: number;
}
