import type { ApprovalQuorum, ApprovalRecord } from './approvals.js';
import type { GateContext } from './context.js';
import type { GateResult, GateStatus } from './result.js';

/** The pipeline's stages, in the order the runner runs them. `execute` is the handler itself. */
export const STAGES = ['validation', 'rate', 'budget', 'rule', 'decision', 'audit'] as const;
/** A stage of the pipeline; `validation` is the runner's own. */
export type Stage = (typeof STAGES)[number];
/** A stage a gate can declare. */
export type GateStage = Exclude<Stage, 'validation'>;

/**
 * What a gate's own failure means: `'closed'` (the default) blocks the call, `'open'` lets it run and records
 * the error on the decision (actiongate's `on_store_error=FAIL_CLOSED|FAIL_OPEN`).
 */
export type FailMode = 'open' | 'closed';

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
  /**
   * With `require_approval`: who must approve (N distinct people, optionally from a list, never the caller). The
   * strictest of every asking gate's quorum is stored with the approval. Absent: one approval by anyone.
   */
  quorum?: ApprovalQuorum;
  /** `false` for a gate in shadow: its outcome is recorded as computed but neither blocks nor pauses the call. */
  enforced?: false;
}

/** What a gate's `check` returns: a decision, optionally holding something until the call ends. */
export type GateVerdict = Omit<GateDecision, 'gate' | 'stage' | 'enforced'> & {
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
 * Errors thrown here are caught and surfaced as result warnings; they never fail the call.
 */
export interface Reservation {
  /** The call ran (or failed with `chargeOnError`): make the hold permanent. */
  commit(info: SettleInfo): void | Promise<void>;
  /** The call did not run, or failed: give the hold back. */
  release(info: SettleInfo): void | Promise<void>;
}

/** Options every gate takes. */
export interface GateOptions {
  /** Name in decisions, results and tools' `gates` options; unique within a runner. */
  name?: string;
  /** When the gate itself fails: `'closed'` (default) blocks, `'open'` allows and records the error. */
  failMode?: FailMode;
  /** Evaluate and record, but never block or pause (a policy's dry run in production; actiongate's SOFT mode). */
  shadow?: boolean;
}

/**
 * The gate protocol. A gate declares its stage; the runner orders gates by stage whatever order they are
 * passed in, and the first block stops the pipeline. `O` is the gate's compiled per-tool options, `R` the raw
 * options a tool gives it in `gates[name]`.
 *
 * What a gate throws from `check` or `beforeExecute` is mapped by the runner through its `failMode`: an
 * {@link UnavailableError} becomes `store_unavailable` (closed) or `store_unavailable_fail_open` (open), any
 * other error `gate_error` or `gate_error_fail_open`. Gates never map their fail mode themselves.
 */
export interface Gate<O = unknown, R = unknown> {
  readonly name: string;
  readonly stage: GateStage;
  /** What a throw from this gate means (default `'closed'`). */
  readonly failMode?: FailMode;
  /** Evaluate and record this gate's decisions without enforcing them (see {@link GateOptions.shadow}). */
  readonly shadow?: boolean;
  /**
   * `true` for a gate whose `check` may start before the earlier gates have decided (a store's reserve): the runner
   * issues every such check at once, so their store commands share one round trip (ioredis auto-pipelining), and
   * still resolves them in stage order. When an earlier gate blocks or asks for approval, the early check's
   * decision is dropped and its reservation released. Such a check must do nothing but answer and reserve.
   */
  readonly concurrent?: boolean;
  /**
   * Compiles a tool's raw `gates[name]` entry (`undefined` when the tool gives none) into what `check`,
   * `beforeExecute` and `record` receive, once, when the tool is registered or the gate added. Throw a
   * {@link ToolOptionsError} (see {@link readToolOptions}) to refuse them: the runner's `register()` throws it,
   * so a bad option fails at start-up. `raw` is typed for callers; check it anyway, since JavaScript and JSON
   * callers can send anything. A gate without this method takes no per-tool options.
   */
  compileToolOptions?(raw: R | undefined, tool: string): O;
  /** Decides on a call before the handler runs. Must not consume or reserve anything when `ctx.dryRun` is true. */
  check?(ctx: GateContext, options: O): GateVerdict | Promise<GateVerdict>;
  /**
   * Runs only when the call is about to execute: after every check allowed, after an approval was consumed, right
   * before the handler (write-ahead audit records). Returns nothing to add no decision, or a verdict without a
   * reservation; a block here still releases what the checks reserved. Never runs for dry runs.
   */
  beforeExecute?(ctx: GateContext, options: O): GateVerdict | undefined | Promise<GateVerdict | undefined>;
  /**
   * Sees every call's final result, whatever its status (audit sinks, telemetry); `options` is `undefined` for a
   * tool that is not registered. Errors and rejections become result warnings, never a throw.
   */
  record?(result: GateResult, ctx: GateContext, options: O | undefined): void | Promise<void>;
  /** Told when a human decides an approval this gate asked for (e.g. to resolve it on BIGHUB). */
  onApprovalDecision?(approval: ApprovalRecord): void | Promise<void>;
  /**
   * Waits for the work this gate sends after a call ended (a budget commit sent without waiting) to reach its
   * store. The runner's `flush()` and `close()` call it; errors are the gate's to retry or report, never thrown.
   */
  flush?(): Promise<void>;
}
