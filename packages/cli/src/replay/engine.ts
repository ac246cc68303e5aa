import {
  type CallContext,
  type Clock,
  createAjv,
  type Gate,
  GatedToolRunner,
  type GateResult,
  type GateStatus,
  type ToolDefinition,
} from '@tollgate/core';
import { ProvenanceGate, ProvenanceLog } from '@tollgate/provenance';
import type { RuleDecisionData } from '@tollgate/rule';
import { CliError, ExitCode, errorText } from '../io.js';
import { splitPolicyGates, type ToolGates } from '../policy/define.js';
import type { LoadedPolicies, ResolvedPolicy } from '../policy/load.js';
import { type TraceCall, type TraceEpisode, timeOf } from '../trace/format.js';

/** How a call fared on its first pass: it ran (even if the tool then failed), was blocked, or waits for a human. */
export type CallOutcome = 'executed' | 'blocked' | 'approval';

/** The decision on one replayed call: a line of `--out`. */
export interface CallDecision {
  /** Episode id. */
  episode: string;
  /** The policy key that judged it (`default` for a single policy). */
  policy: string;
  /** The recorded tool call id. */
  callId: string;
  /** Tool name as called. */
  tool: string;
  /** First-pass outcome: what the gates decided. */
  outcome: CallOutcome;
  /** The runner's status (`executed`, `tool_error`, `blocked`, `approval_required`). */
  status: GateStatus;
  /** Stable reason code (`executed`, `rate_limited`, `unknown_tool`, a rule's code…). */
  reason: string;
  /** Gate (or `validation`, `registry`) that blocked it or asked for approval. */
  gate?: string;
  /** What the model would have been told. */
  message: string;
  /** The replay clock when the call was made, ms since the epoch. */
  at: number;
  /** The call's `label.attack`, when labelled. */
  attack?: boolean;
  /** What the stand-in reviewer did with an approval (`--approve-all` / `--deny-all`), and how the call ended. */
  review?: { decision: 'approved' | 'denied'; status: GateStatus; reason: string };
  /** What gates and rules in shadow would have done to this call, had they been enforced. */
  shadow?: ShadowHit[];
}

/** One shadow decision that would have stopped a call: a gate in shadow, or a shadow rule of a rule gate. */
export interface ShadowHit {
  /** The gate that decided (or whose rule did). */
  gate: string;
  /** The rule: a shadow rule's id, or the rule that decided for a gate in shadow; absent when none did. */
  rule?: string;
  /** What it would have done. */
  outcome: 'block' | 'require_approval';
  /** Its reason code. */
  reason: string;
}

/** Options for {@link ReplayEngine}. */
export interface ReplayEngineOptions {
  /** A stand-in reviewer for approvals: approve every one (and resume the call) or deny every one. Default: leave pending. */
  reviewer?: 'approve' | 'deny';
  /** How far the replay clock moves between calls without a recorded `at` (ms, default 1000). */
  stepMs?: number;
  /** Where the replay clock starts (ms since the epoch, default 2024-01-01T00:00:00Z). */
  startAt?: number;
  /** Gates added to every runner after the policy's own, e.g. an audit gate recording the whole replay. */
  extraGates?: readonly Gate[];
}

/** An episode's decisions, or why it could not be replayed. */
export type EpisodeReplay = { ok: true; decisions: CallDecision[] } | { ok: false; message: string };

/** Who reviewers are, in approval records. */
const REVIEWER = 'tollgate replay';

/**
 * Replays recorded tool calls through the real {@link GatedToolRunner} and a policy's gates, with in-memory
 * stores and handlers that return (or throw) what was recorded, so rate and budget state advances as it would
 * have. Time is a replay clock: a call's recorded `at`, else the previous call plus `stepMs`; it never goes back.
 * Throws {@link CliError} when a policy cannot build a runner (bad gate, invalid tool schema).
 */
export class ReplayEngine {
  private readonly ajv = createAjv();
  private readonly definitions = new Map<string, ToolDefinition[]>();
  private readonly shared = new Map<string, GatedToolRunner>();
  /** Policies (by route key) whose gates include a `ProvenanceGate`. */
  private readonly readsProvenance = new Set<string>();
  private unfed = 0;
  private readonly stepMs: number;
  private now: number;
  private current: { call: TraceCall; episode: TraceEpisode; policy: ResolvedPolicy } | undefined;
  /** The replay clock every runner and gate reads. */
  readonly clock: Clock = { now: () => this.now };

  constructor(
    private readonly loaded: LoadedPolicies,
    private readonly options: ReplayEngineOptions = {},
  ) {
    this.stepMs = options.stepMs ?? 1000;
    this.now = options.startAt ?? Date.UTC(2024, 0, 1);
  }

  /** Replays one episode's calls in order; refuses (without throwing) an episode no policy routes to. */
  async episode(episode: TraceEpisode): Promise<EpisodeReplay> {
    let key: string | undefined;
    let context: Omit<CallContext, 'callId'> | undefined;
    try {
      key = this.loaded.route(episode);
    } catch (err) {
      return { ok: false, message: `the policy's route() failed for episode "${episode.id}": ${errorText(err)}` };
    }
    const policy = key === undefined ? undefined : this.loaded.policies.get(key);
    if (key === undefined || !policy) {
      return { ok: false, message: `no policy for episode "${episode.id}" (route gave ${JSON.stringify(key)})` };
    }
    try {
      context = policy.context ? policy.context(episode) : episode.context;
    } catch (err) {
      return { ok: false, message: `the policy's context() failed for episode "${episode.id}": ${errorText(err)}` };
    }
    const runner = await this.runnerFor(key, policy);
    const base: CallContext = { ...context, traceId: episode.id };
    const feed = provenanceFeed(episode);
    if (feed) base.provenance = feed.log;
    const toolOutput = episode.provenance?.some((entry) => entry.source.origin === 'tool') ?? false;
    if (!toolOutput && episode.calls.length > 1 && this.readsProvenance.has(key)) this.unfed++;
    const decisions: CallDecision[] = [];
    for (const [i, call] of episode.calls.entries()) {
      const at = timeOf(call.at);
      this.now = at !== undefined && at > this.now ? at : this.now + this.stepMs;
      this.current = { call, episode, policy };
      feed?.upTo(i);
      const result = await runner.call(call.tool, call.arguments, { ...base, callId: call.id });
      const decision: CallDecision = {
        episode: episode.id,
        policy: key,
        callId: call.id,
        tool: call.tool,
        outcome: outcomeOf(result),
        status: result.status,
        reason: result.reason,
        message: result.message,
        at: this.now,
      };
      if (result.blockedBy) decision.gate = result.blockedBy;
      if (call.label?.attack !== undefined) decision.attack = call.label.attack;
      const shadow = shadowHits(result);
      if (shadow.length > 0) decision.shadow = shadow;
      if (result.approval && this.options.reviewer) {
        decision.review = await this.review(runner, result.approval.id, base.provenance);
      }
      decisions.push(decision);
    }
    this.current = undefined;
    return { ok: true, decisions };
  }

  private async review(
    runner: GatedToolRunner,
    id: string,
    provenance: CallContext['provenance'],
  ): Promise<NonNullable<CallDecision['review']>> {
    if (this.options.reviewer === 'deny') {
      const denied = await runner.deny(id, { by: REVIEWER, comment: '--deny-all' });
      return { decision: 'denied', status: 'blocked', reason: denied.ok ? 'approval_denied' : denied.reason };
    }
    const approved = await runner.approve(id, { by: REVIEWER, comment: '--approve-all' });
    if (!approved.ok) return { decision: 'approved', status: 'blocked', reason: approved.reason };
    const resumed = await runner.resume(id, provenance ? { provenance } : {});
    return { decision: 'approved', status: resumed.status, reason: resumed.reason };
  }

  /**
   * Episodes of several calls replayed through a policy with a `ProvenanceGate` although they record no tool output
   * the model read: the gate saw no untrusted content in them, so it passed every value (AgentDojo: `--transcripts`).
   */
  get episodesWithoutProvenance(): number {
    return this.unfed;
  }

  private async runnerFor(key: string, policy: ResolvedPolicy): Promise<GatedToolRunner> {
    const existing = this.shared.get(key);
    if (existing) return existing;
    try {
      const { gates, tools } = splitPolicyGates(await policy.gates());
      if (gates.some((gate) => gate instanceof ProvenanceGate)) this.readsProvenance.add(key);
      const runner = new GatedToolRunner({
        ajv: this.ajv,
        clock: this.clock,
        gates: [...gates, ...(this.options.extraGates ?? [])],
        tools: this.toolsFor(key, policy).map((tool) => withToolGates(tool, tools[tool.name])),
      });
      if (policy.scope === 'replay') this.shared.set(key, runner);
      return runner;
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw new CliError(`Policy "${policy.name}" (${this.loaded.file}): ${errorText(err)}`, ExitCode.usage, {
        cause: err,
      });
    }
  }

  /** Tool definitions are built once per policy, so ajv compiles each schema once however many runners there are. */
  private toolsFor(key: string, policy: ResolvedPolicy): ToolDefinition[] {
    let tools = this.definitions.get(key);
    if (!tools) {
      tools = policy.tools.map((tool) => {
        const gates = policy.toolOptions?.[tool.name];
        return { ...tool, ...(gates ? { gates } : {}), handler: (_args, ctx) => this.recorded(ctx.report) };
      });
      this.definitions.set(key, tools);
    }
    return tools;
  }

  /** The replay handler: reports the policy's figures, then returns the recorded output or throws the recorded error. */
  private recorded(report: (key: string, value: unknown) => void): unknown {
    const current = this.current;
    if (!current) throw new Error('a replay handler ran outside a replayed call');
    const { call, episode, policy } = current;
    for (const [k, v] of Object.entries(policy.report?.(call, episode) ?? {})) report(k, v);
    if (call.error) throw new RecordedToolError(call.error);
    return call.output;
  }
}

/**
 * The run's provenance for an episode that records what the model read: a fresh log, fed each entry just before the
 * first call made after the model read it (`upTo(i)` before call `i`), so every call sees what the model had seen.
 */
function provenanceFeed(episode: TraceEpisode): { log: ProvenanceLog; upTo(call: number): void } | undefined {
  if (!episode.provenance) return undefined;
  // Stable: entries read before the same call keep their order.
  const entries = [...episode.provenance].sort((a, b) => a.before - b.before);
  const log = new ProvenanceLog();
  let next = 0;
  return {
    log,
    upTo(call) {
      for (; next < entries.length && entries[next]!.before <= call; next++) {
        log.record(entries[next]!.source, entries[next]!.content);
      }
    },
  };
}

/** The error a recorded call failed with, thrown again by the replay handler. */
export class RecordedToolError extends Error {
  override readonly name = 'RecordedToolError';
}

/** A tool with the per-tool parts `gates()` made for this runner; the schema object stays the same one. */
export function withToolGates(tool: ToolDefinition, parts: ToolGates | undefined): ToolDefinition {
  if (!parts) return tool;
  const merged: ToolDefinition = { ...tool, gates: { ...tool.gates, ...parts.gates } };
  if (parts.use) merged.use = parts.use;
  return merged;
}

/**
 * The decisions of a result that were recorded and not enforced and would have stopped the call: those of gates in
 * shadow (`enforced: false`), and the shadow rules a rule gate lists in `data.shadow` (`@tollgate/rule`).
 */
export function shadowHits(result: GateResult): ShadowHit[] {
  const hits: ShadowHit[] = [];
  for (const d of result.decisions) {
    const data = d.data as Partial<RuleDecisionData> | undefined;
    if (d.enforced === false && d.outcome !== 'allow') {
      const hit: ShadowHit = { gate: d.gate, outcome: d.outcome, reason: d.reason };
      if (typeof data?.decidedBy === 'string') hit.rule = data.decidedBy;
      hits.push(hit);
    }
    const rules = data?.shadow?.enforced === false && Array.isArray(data.shadow.matched) ? data.shadow.matched : [];
    for (const m of rules) {
      if (m.effect !== 'allow') hits.push({ gate: d.gate, rule: m.id, outcome: m.effect, reason: m.reason });
    }
  }
  return hits;
}

function outcomeOf(result: GateResult): CallOutcome {
  if (result.status === 'blocked') return 'blocked';
  if (result.status === 'approval_required') return 'approval';
  return 'executed';
}
