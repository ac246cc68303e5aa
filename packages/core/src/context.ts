import type { Clock } from './clock.js';
import type { Json } from './json.js';
import type { ProvenanceView } from './provenance.js';
import type { ToolDefinition } from './tool.js';

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
  /**
   * Facts an approval of this call is bound to besides tool, call id, arguments and caller, such as an adapter's
   * run id and tool round. Stored with the approval and part of its digest; `resume(id, { expect: { bind } })`
   * refuses a different value (`approval_binding_changed`). Gates do not see it.
   */
  bind?: Readonly<Record<string, Json>>;
  /**
   * The run's provenance: the content the model has seen so far, with where each piece came from. An adapter owns it
   * and records into it as it appends messages; gates read it as `ctx.provenance`. Not part of the caller, the
   * approval's digest or any stored record: on resume, pass it again (`resume(id, { provenance })`).
   */
  provenance?: ProvenanceView;
}

/** The approval a resumed call runs under, as gates see it (`ctx.approval`). */
export interface ResumedApproval {
  /** The approval's id (`apr_…`). */
  id: string;
  /** Who approved it (with a quorum: the approval that completed it). */
  by: string | undefined;
  /** With a quorum: everyone who approved it, in order. */
  approvers?: readonly string[];
  /** The approver's comment, if any. */
  comment?: string;
  /** The gates that asked for it; the runner skips their `check` on this resume. */
  gates: readonly string[];
  /** Each asking gate's decision data from the original call, by gate name (e.g. BIGHUB's `request_id`). */
  data: Readonly<Record<string, Record<string, unknown> | undefined>>;
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
  /** Set on {@link GatedToolRunner.resume}: the approval this call runs under. */
  readonly approval: ResumedApproval | undefined;
  /** The run's provenance, when the caller gave one ({@link CallContext.provenance}). */
  readonly provenance?: ProvenanceView | undefined;
}

/** What a handler gets besides its arguments. */
export interface HandlerContext extends GateContext {
  /**
   * Reports a figure known only after the work is done, read by gates when they commit
   * (e.g. `report('cost', '12.50')` for a budget reserved on an estimate). Values are decimal strings or numbers.
   */
  report(key: string, value: unknown): void;
}
