import {
  type ApprovalRecord,
  errorName,
  errorText,
  type FailMode,
  type Gate,
  type GateContext,
  type GateResult,
  type GateVerdict,
  readToolOptions,
  UnavailableError,
} from '@tollgate/core';
import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
} from 'cockatiel';
import { BighubClient, type BighubClientOptions } from '../client/client.js';
import {
  BighubApiError,
  BighubError,
  BighubNetworkError,
  BighubRateLimitError,
  BighubRedirectError,
  BighubTimeoutError,
} from '../client/errors.js';
import type { KillSwitchStatus } from '../client/kill-switch.js';
import type { BighubDecision, SubmitActionRequest } from '../client/types.js';
import { BighubReason, mapDecision } from './mapping.js';
import { Telemetry, type TelemetryOptions, type TelemetryStats } from './telemetry.js';

/** Which endpoint decides: `POST /actions/submit`, `/actions/submit/v2` or `/actions/evaluate`. */
export type DecisionMode = 'submit' | 'submit_v2' | 'evaluate';

/** Fields of BIGHUB's decision the model may see besides the reason (none by default). */
export type ModelVisibleField = 'better_action' | 'risk' | 'salient_factors';

/**
 * How one tool's calls become BIGHUB actions (bighub-openai's `register_tool` options and
 * `action(system=, risk=, environment=)`). Given per tool as `gates: { bighub: {...} }` or in the gate's `tools` map;
 * the per-tool entry wins field by field.
 */
export interface BighubToolOptions {
  /** The action name BIGHUB sees (default: the tool name). */
  actionName?: string;
  /** A numeric size (amount, count) BIGHUB compares against rules such as `max_value`; a JSON number on the wire. */
  valueFromArgs?: (args: Record<string, unknown>, ctx: GateContext) => number | undefined;
  /** The resource acted on, e.g. an order id. */
  targetFromArgs?: (args: Record<string, unknown>, ctx: GateContext) => string | undefined;
  /** Extra metadata (merged over `system`, `risk`, `environment`). */
  metadataFromArgs?: (args: Record<string, unknown>, ctx: GateContext) => Record<string, unknown> | undefined;
  /** The system acted on, e.g. `okta`, `argocd`. */
  system?: string;
  /** The tool's risk label, e.g. `high`. */
  risk?: string;
  /** Where it acts, e.g. `production`. */
  environment?: string;
  /** Overrides the gate's domain. */
  domain?: string;
  /** Overrides the actor (otherwise the call's actor, then the gate's). */
  actor?: string;
  /** Overrides the gate's decision mode. */
  mode?: DecisionMode;
}

/** Circuit breaker settings (cockatiel's `ConsecutiveBreaker`). */
export interface BighubBreakerOptions {
  /** Consecutive outages (timeouts, network errors, 429, 5xx) that open the circuit (default 5). */
  consecutiveFailures?: number;
  /** How long the circuit stays open before one trial call is let through, in ms (default 30 000). */
  halfOpenAfterMs?: number;
}

/** Options for {@link BighubGate}. */
export interface BighubGateOptions {
  /** A client, or the options to build one. */
  client: BighubClient | BighubClientOptions;
  /** Gate name, the key of per-tool options and of approval data (default `bighub`). */
  name?: string;
  /** When BIGHUB is unreachable or errs: `closed` (default) blocks with `store_unavailable`, `open` allows. */
  failMode?: FailMode;
  /** Evaluate and record BIGHUB's decisions without enforcing them (see core's `GateOptions.shadow`). */
  shadow?: boolean;
  /** Decision endpoint for every tool (default `submit`, as bighub-openai). */
  mode?: DecisionMode;
  /** BIGHUB execution domain, e.g. `financial_actions` (default none). */
  domain?: string;
  /** Actor when the call has none (default `tollgate`). */
  actor?: string;
  /** Per-tool action mapping, keyed by tool name. */
  tools?: Record<string, BighubToolOptions>;
  /** Decision fields appended to the model's message (default none: the model sees only the reason). */
  exposeToModel?: readonly ModelVisibleField[];
  /** Send the tool's arguments in the action's metadata / context (default true). */
  includeArguments?: boolean;
  /** Circuit breaker settings. */
  circuitBreaker?: BighubBreakerOptions;
  /** Kill switch polling: `ttlMs` is how long a status read is reused (default 5000); `false` disables it. */
  killSwitch?: { ttlMs?: number } | false;
  /** Memory ingest and outcome reports after each call; `false` disables both. */
  telemetry?: TelemetryOptions | false;
}

/** Telemetry counters plus the circuit's state. */
export interface BighubGateStats extends TelemetryStats {
  circuit: 'closed' | 'open' | 'half_open' | 'isolated';
}

const CIRCUIT_NAMES = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Isolated]: 'isolated',
} as const;

const TOOL_OPTION_KEYS = [
  'actionName',
  'valueFromArgs',
  'targetFromArgs',
  'metadataFromArgs',
  'system',
  'risk',
  'environment',
  'domain',
  'actor',
  'mode',
] as const;

/**
 * The `decision` stage: asks BIGHUB whether a tool call may run and maps every generation of its answer to
 * allow, block or require_approval with {@link mapDecision}. The raw decision (risk, reason, better_action,
 * salient_factors, responsible_action_space, request_id) stays in the decision's `data`; the model sees only
 * BIGHUB's reason unless `exposeToModel` says otherwise.
 *
 * - Outages (timeout, network, 429, 5xx) count towards a cockatiel circuit breaker; while it is open, calls get
 *   the fail mode at once instead of waiting for a timeout. Any other error also gets the fail mode: the gate
 *   throws core's `UnavailableError`, which the runner maps to `store_unavailable` (closed) or an allow (open).
 * - The kill switch is read with `GET /kill-switch/status` alongside the decision request and reused for
 *   `killSwitch.ttlMs`, so an activation takes effect within that many ms (plus one request's duration).
 * - A require_approval carries BIGHUB's `request_id`; `onApprovalDecision` resolves it on BIGHUB when the runner's
 *   approval is approved or denied, and the resumed call's outcome is reported against it, in whichever process
 *   resumes (the runner hands the gate its earlier decision data on resume).
 * - After each call, memory ingest and the outcome report are started without being awaited (see {@link Telemetry}).
 * - A dry run (`ctx.dryRun`) uses `/actions/evaluate` with `dry_run: true` (mode `evaluate`) or
 *   `/actions/submit/dry-run`, creates no approval on BIGHUB and sends no telemetry.
 */
export class BighubGate implements Gate<BighubToolOptions, BighubToolOptions> {
  /** Gate name (default `bighub`): the key of per-tool options and of approval data. */
  readonly name: string;
  /** Always `decision`: after validation, rate, budget and rule gates. */
  readonly stage = 'decision' as const;
  /** What an unreachable BIGHUB means (default `closed`). */
  readonly failMode: FailMode;
  /** Evaluate and record, never enforce. */
  readonly shadow: boolean;
  /** The client this gate talks through. */
  readonly client: BighubClient;
  private readonly options: BighubGateOptions;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly halfOpenAfterMs: number;
  private readonly telemetry: Telemetry | undefined;
  private killSwitchRead: { status: KillSwitchStatus; at: number } | undefined;
  private killSwitchInFlight: Promise<KillSwitchStatus> | undefined;

  constructor(options: BighubGateOptions) {
    this.options = options;
    this.name = options.name ?? 'bighub';
    this.failMode = options.failMode ?? 'closed';
    this.shadow = options.shadow ?? false;
    this.client = options.client instanceof BighubClient ? options.client : new BighubClient(options.client);
    this.halfOpenAfterMs = options.circuitBreaker?.halfOpenAfterMs ?? 30_000;
    this.breaker = circuitBreaker(handleWhen(isOutage), {
      halfOpenAfter: this.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(options.circuitBreaker?.consecutiveFailures ?? 5),
    });
    if (options.telemetry !== false) {
      this.telemetry = new Telemetry(
        this.client,
        options.telemetry ?? {},
        () => this.breaker.state === CircuitState.Open,
      );
    }
  }

  /**
   * Merges a tool's `gates[name]` entry over the gate's `tools[tool]` entry, once, when the tool is registered.
   * @throws {ToolOptionsError} for options that are not an object or hold unknown keys
   */
  compileToolOptions(raw: BighubToolOptions | undefined, tool: string): BighubToolOptions {
    const site = { gate: this.name, tool };
    const perTool = readToolOptions(raw, site, TOOL_OPTION_KEYS) as BighubToolOptions | undefined;
    const fromGate = readToolOptions(this.options.tools?.[tool], site, TOOL_OPTION_KEYS) as BighubToolOptions;
    return { ...fromGate, ...perTool };
  }

  /**
   * Asks BIGHUB about one call. BIGHUB's failures throw core's `UnavailableError` (the runner applies the fail
   * mode); a tool mapping that fails (a throwing or non-numeric `valueFromArgs`…) blocks with
   * `bighub_invalid_action` whatever the fail mode, since failing open is for an unreachable BIGHUB, not for a
   * broken configuration.
   */
  async check(ctx: GateContext, opts: BighubToolOptions = {}): Promise<GateVerdict> {
    let action: SubmitActionRequest;
    try {
      action = this.action(ctx, opts);
    } catch (err) {
      return {
        outcome: 'block',
        reason: BighubReason.invalidAction,
        message: 'This call could not be turned into a BIGHUB action, so it did not run. Do not retry; tell the user.',
        error: { name: errorName(err), message: errorText(err) },
      };
    }
    const cached = this.cachedKillSwitch(ctx.clock.now());
    if (cached?.active) return killSwitchVerdict(cached);
    let status: KillSwitchStatus | undefined;
    let response: BighubDecision;
    try {
      [status, response] = await this.breaker.execute(() =>
        Promise.all([
          this.killSwitch(ctx.clock.now()),
          this.decide(opts.mode ?? this.options.mode ?? 'submit', action, ctx),
        ]),
      );
    } catch (err) {
      // A redirect is not an outage: it can point the API key and the decision at another host, so failing open
      // must not apply to it.
      if (err instanceof BighubRedirectError) return redirectVerdict(err);
      throw this.unavailable(err);
    }
    if (status?.active) return killSwitchVerdict(status);
    const mapped = mapDecision(response);
    const data = decisionData(response, mapped.generation);
    if (mapped.constraints) data.constraints = mapped.constraints;
    if (mapped.missingContext) data.missing_context = mapped.missingContext;
    return {
      outcome: mapped.outcome,
      reason: mapped.reason,
      message: this.modelMessage(mapped.message, response),
      data,
    };
  }

  /**
   * Starts memory ingest and the outcome report for a call this gate decided; returns without waiting for them.
   * On the resume of an approval this gate asked for, the report goes against the `request_id` of its first
   * decision, which the runner hands back in `ctx.approval`.
   */
  record(result: GateResult, ctx: GateContext, options: BighubToolOptions | undefined): void {
    if (!this.telemetry) return;
    const mine = result.decisions.find((d) => d.gate === this.name);
    if (!mine) return;
    const asked = ctx.approval?.gates.includes(this.name) ? ctx.approval.data[this.name] : undefined;
    const source = asked ?? mine.data;
    const requestId = typeof source?.request_id === 'string' ? source.request_id : undefined;
    const opts = options ?? {};
    this.telemetry.send({
      result,
      ctx,
      actor: this.actorFor(ctx, opts),
      domain: opts.domain ?? this.options.domain,
      requestId,
      decision: mine.data?.decision ?? { reason: mine.reason, outcome: mine.outcome },
    });
  }

  /**
   * Resolves BIGHUB's approval (`data[name].request_id`) when the runner's approval is decided.
   * @throws BighubError when BIGHUB refuses or cannot be reached (the runner reports it as a warning)
   */
  async onApprovalDecision(record: ApprovalRecord): Promise<void> {
    const requestId = record.data[this.name]?.request_id;
    const decision = record.decision;
    if (typeof requestId !== 'string' || !decision) return;
    const comment = decision.comment
      ? `${decision.comment} (by ${decision.by})`
      : `${decision.status} by ${decision.by}`;
    await this.client.approvals.resolve(requestId, { resolution: decision.status, comment });
  }

  /** Telemetry counters and the circuit's state. */
  stats(): BighubGateStats {
    const telemetry = this.telemetry?.stats() ?? {
      memory: { sent: 0, failed: 0 },
      outcomes: { sent: 0, failed: 0 },
      skipped: 0,
      pending: 0,
    };
    return { ...telemetry, circuit: CIRCUIT_NAMES[this.breaker.state] };
  }

  /** Waits for telemetry in flight (for tests and shutdown). Never rejects. */
  async flush(): Promise<void> {
    await this.telemetry?.flush();
  }

  private actorFor(ctx: GateContext, opts: BighubToolOptions): string {
    return opts.actor ?? ctx.actor ?? this.options.actor ?? 'tollgate';
  }

  private action(ctx: GateContext, opts: BighubToolOptions): SubmitActionRequest {
    const args = ctx.args;
    const value = opts.valueFromArgs?.(args, ctx);
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw new TypeError(`valueFromArgs of tool "${ctx.tool}" returned ${String(value)}; expected a finite number`);
    }
    const metadata = compact({
      system: opts.system,
      risk: opts.risk,
      environment: opts.environment,
      tool: ctx.tool,
      call_id: ctx.callId,
      trace_id: ctx.traceId,
      arguments: this.options.includeArguments === false ? undefined : args,
      ...opts.metadataFromArgs?.(args, ctx),
    });
    return compact({
      action: opts.actionName ?? ctx.tool,
      value,
      target: opts.targetFromArgs?.(args, ctx),
      actor: this.actorFor(ctx, opts),
      domain: opts.domain ?? this.options.domain,
      metadata,
    }) as SubmitActionRequest;
  }

  private decide(mode: DecisionMode, action: SubmitActionRequest, ctx: GateContext): Promise<BighubDecision> {
    if (mode === 'evaluate') {
      const { metadata, actor, ...rest } = action;
      return this.client.actions.evaluate({
        ...rest,
        actor: actor!,
        context: metadata,
        ...(ctx.dryRun ? { dry_run: true } : {}),
      });
    }
    if (ctx.dryRun) return this.client.actions.dryRun(action);
    return mode === 'submit_v2' ? this.client.actions.submitV2(action) : this.client.actions.submit(action);
  }

  private cachedKillSwitch(now: number): KillSwitchStatus | undefined {
    const read = this.killSwitchRead;
    const ttl = this.options.killSwitch === false ? 0 : (this.options.killSwitch?.ttlMs ?? 5000);
    return read && now - read.at < ttl ? read.status : undefined;
  }

  /** The kill switch's status: the cached read while fresh, else one request shared by concurrent calls. */
  private async killSwitch(now: number): Promise<KillSwitchStatus | undefined> {
    if (this.options.killSwitch === false) return undefined;
    const cached = this.cachedKillSwitch(now);
    if (cached) return cached;
    this.killSwitchInFlight ??= this.client.killSwitch
      .status()
      .then((status) => {
        if (typeof status?.active !== 'boolean') {
          throw new BighubError('BIGHUB sent a kill switch status without a boolean `active`');
        }
        this.killSwitchRead = { status, at: now };
        return status;
      })
      .finally(() => {
        this.killSwitchInFlight = undefined;
      });
    return this.killSwitchInFlight;
  }

  private unavailable(err: unknown): UnavailableError {
    const circuitOpen = err instanceof BrokenCircuitError;
    const data: Record<string, unknown> = { circuit: CIRCUIT_NAMES[this.breaker.state] };
    if (err instanceof BighubApiError) data.status = err.status;
    const retryAfterMs = circuitOpen
      ? this.halfOpenAfterMs
      : err instanceof BighubRateLimitError
        ? err.retryAfterMs
        : undefined;
    const cause = circuitOpen ? new Error('the circuit to BIGHUB is open after repeated failures') : err;
    return new UnavailableError('BIGHUB', { cause, data, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
  }

  private modelMessage(message: string, d: BighubDecision): string {
    const parts = [message];
    for (const field of this.options.exposeToModel ?? []) {
      const value = field === 'risk' ? (d.risk ?? d.risk_score) : d[field];
      if (value === undefined || value === null) continue;
      const label = { better_action: 'Better action', risk: 'Risk', salient_factors: 'Factors' }[field];
      parts.push(`${label}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
    }
    return parts.join(' ');
  }
}

/** Failures that mean BIGHUB is down or overloaded, which is what the circuit breaker counts. */
function isOutage(err: Error): boolean {
  if (err instanceof BighubTimeoutError || err instanceof BighubNetworkError) return true;
  return err instanceof BighubApiError && (err.status === 429 || err.status >= 500);
}

function redirectVerdict(err: BighubRedirectError): GateVerdict {
  return {
    outcome: 'block',
    reason: BighubReason.redirected,
    message:
      'BIGHUB answered with a redirect, which is never followed, so the call did not run. Do not retry; tell the user.',
    error: { name: err.name, message: err.message },
  };
}

function killSwitchVerdict(status: KillSwitchStatus): GateVerdict {
  const why = typeof status.reason === 'string' && status.reason ? ` (${status.reason})` : '';
  return {
    outcome: 'block',
    reason: BighubReason.killSwitch,
    message: `BIGHUB's kill switch is active${why}: no agent action may run. Do not retry; tell the user.`,
    data: { kill_switch: status },
  };
}

const DATA_FIELDS = [
  'request_id',
  'mode',
  'reason',
  'better_action',
  'salient_factors',
  'responsible_action_space',
  'recommendation',
  'enforcement_mode',
] as const;

function decisionData(d: BighubDecision, generation: string): Record<string, unknown> {
  const data: Record<string, unknown> = { generation };
  if (typeof d !== 'object' || d === null) return { ...data, decision: d };
  for (const field of DATA_FIELDS) if (d[field] !== undefined) data[field] = d[field];
  const risk = d.risk ?? d.risk_score;
  if (risk !== undefined) data.risk = risk;
  data.decision = d;
  return data;
}

function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
