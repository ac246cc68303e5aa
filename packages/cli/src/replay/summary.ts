import type { CallDecision, CallOutcome, ShadowHit } from './engine.js';

/** Calls counted by first-pass outcome. */
export type Tally = Record<CallOutcome, number>;

/** A line that was not replayed, and why. */
export interface SkippedLine {
  /** Line number in the input file, from 1. */
  line: number;
  /** Why it was skipped. */
  message: string;
}

/** Something the replay noticed but went on with: a repeated id in the trace, a policy part that never applies. */
export interface ReplayWarning {
  /** Line number in the input file, from 1, when the warning is about a line. */
  line?: number;
  /** What is wrong. */
  message: string;
}

/** Calls split by their `label.attack`: labelled attack calls, and all the others (labelled benign or unlabelled). */
export interface LabelTally {
  /** Calls labelled `attack: true`. */
  attack: Tally;
  /** Every other call. */
  other: Tally;
}

/** What `tollgate replay` reports (`--json` prints exactly this). */
export interface ReplaySummary {
  /** The policy module. */
  policy: string;
  /** The input format used. */
  format: string;
  /** Episodes replayed (skipped lines not included). */
  episodes: number;
  /** Tool calls replayed. */
  calls: number;
  /** Every call by outcome. */
  totals: Tally;
  /** Executed calls whose recorded tool had failed (status `tool_error`). */
  toolErrors: number;
  /** With `--approve-all` / `--deny-all`: what the stand-in reviewer did. */
  review?: { approved: number; denied: number; executedAfterApproval: number };
  /** By tool name. */
  byTool: Record<string, Tally>;
  /** Blocked and approval calls by gate and reason, most frequent first. */
  byReason: {
    /** `blocked` or `approval`. */
    outcome: 'blocked' | 'approval';
    /** Gate that decided (`validation`, `registry` for runner checks). */
    gate: string;
    /** Its stable reason code. */
    reason: string;
    /** How many calls. */
    calls: number;
  }[];
  /** Present when a gate or rule in shadow would have blocked a call or sent it to approval. */
  shadow?: ShadowSummary;
  /** Present when any call carries a `label`. */
  labels?: LabelTally;
  /** With `--group-by <label>`: the episode label's values, each with its calls by outcome and by call label. */
  groups?: { label: string; values: Record<string, LabelTally & { all: Tally }> };
  /** Lines not replayed (malformed JSON, not an episode, no policy for it); the exit code is 3 when any. */
  skipped: SkippedLine[];
  /** Replayed anyway, but worth a look: repeated episode or call ids, policy rules or options that never apply. */
  warnings: ReplayWarning[];
  /** Time spent replaying, after loading (ms). */
  elapsedMs: number;
}

/** What the gates and rules in shadow would have done: recorded, never enforced, so not in `totals`. */
export interface ShadowSummary {
  /** Calls that something in shadow would have blocked. */
  wouldBlock: number;
  /** Calls that something in shadow would have sent to approval (and nothing in shadow would have blocked). */
  wouldAsk: number;
  /** By gate, rule and reason, most frequent first (then would-block first); a call counts once per rule that would have stopped it. */
  byRule: {
    /** `would_block` or `would_ask`. */
    outcome: 'would_block' | 'would_ask';
    /** The gate in shadow, or the gate of the shadow rule. */
    gate: string;
    /** The shadow rule, or the rule that decided for a gate in shadow; `-` when none. */
    rule: string;
    /** Its reason code. */
    reason: string;
    /** How many calls. */
    calls: number;
  }[];
}

const tally = (): Tally => ({ executed: 0, blocked: 0, approval: 0 });

/** Accumulates decisions and skipped lines into a {@link ReplaySummary}. */
export class SummaryBuilder {
  private readonly summary: ReplaySummary;
  private readonly reasons = new Map<string, ReplaySummary['byReason'][number]>();
  private readonly labels = labelTally();
  private readonly shadowRules = new Map<string, ShadowSummary['byRule'][number]>();
  private readonly shadowCalls = { wouldBlock: 0, wouldAsk: 0 };
  private labelled = false;

  constructor(policy: string, format: string, groupBy?: string) {
    this.summary = {
      policy,
      format,
      episodes: 0,
      calls: 0,
      totals: tally(),
      toolErrors: 0,
      byTool: {},
      byReason: [],
      skipped: [],
      warnings: [],
      elapsedMs: 0,
    };
    if (groupBy) this.summary.groups = { label: groupBy, values: {} };
  }

  /** Counts one replayed episode; `group` is its value of the `--group-by` label. */
  addEpisode(decisions: readonly CallDecision[], group?: string): void {
    const s = this.summary;
    s.episodes++;
    const groupTally = s.groups
      ? entry(s.groups.values, group ?? '(none)', () => ({ all: tally(), ...labelTally() }))
      : undefined;
    for (const d of decisions) {
      s.calls++;
      s.totals[d.outcome]++;
      if (d.status === 'tool_error') s.toolErrors++;
      entry(s.byTool, d.tool, tally)[d.outcome]++;
      if (d.outcome !== 'executed') this.countReason(d);
      if (d.review) this.countReview(d.review);
      if (d.shadow) this.countShadow(d.shadow);
      if (d.attack !== undefined) this.labelled = true;
      const side = d.attack === true ? 'attack' : 'other';
      this.labels[side][d.outcome]++;
      if (groupTally) {
        groupTally.all[d.outcome]++;
        groupTally[side][d.outcome]++;
      }
    }
  }

  /** Records a line that was not replayed. */
  skip(line: number, message: string): void {
    this.summary.skipped.push({ line, message });
  }

  /** Records a warning, about a line of the input when `line` is given. */
  warn(message: string, line?: number): void {
    this.summary.warnings.push(line === undefined ? { message } : { line, message });
  }

  /** The summary so far, with the elapsed time given. */
  result(elapsedMs: number): ReplaySummary {
    const s = { ...this.summary, elapsedMs: Math.round(elapsedMs) };
    s.byReason = [...this.reasons.values()].sort((a, b) => b.calls - a.calls);
    if (this.labelled) s.labels = this.labels;
    if (this.shadowRules.size > 0) {
      const byRule = [...this.shadowRules.values()].sort(
        (a, b) => b.calls - a.calls || b.outcome.localeCompare(a.outcome) || a.gate.localeCompare(b.gate),
      );
      s.shadow = { ...this.shadowCalls, byRule };
    }
    return s;
  }

  private countShadow(hits: readonly ShadowHit[]): void {
    if (hits.some((h) => h.outcome === 'block')) this.shadowCalls.wouldBlock++;
    else if (hits.length > 0) this.shadowCalls.wouldAsk++;
    const seen = new Set<string>();
    for (const h of hits) {
      const outcome = h.outcome === 'block' ? 'would_block' : 'would_ask';
      const rule = h.rule ?? '-';
      const key = `${outcome}\0${h.gate}\0${rule}\0${h.reason}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const entry = this.shadowRules.get(key);
      if (entry) entry.calls++;
      else this.shadowRules.set(key, { outcome, gate: h.gate, rule, reason: h.reason, calls: 1 });
    }
  }

  private countReason(d: CallDecision): void {
    const gate = d.gate ?? '-';
    const key = `${d.outcome}\0${gate}\0${d.reason}`;
    const entry = this.reasons.get(key);
    if (entry) entry.calls++;
    else this.reasons.set(key, { outcome: d.outcome as 'blocked' | 'approval', gate, reason: d.reason, calls: 1 });
  }

  private countReview(review: NonNullable<CallDecision['review']>): void {
    const r = this.summary.review ?? { approved: 0, denied: 0, executedAfterApproval: 0 };
    this.summary.review = r;
    r[review.decision]++;
    if (review.decision === 'approved' && (review.status === 'executed' || review.status === 'tool_error')) {
      r.executedAfterApproval++;
    }
  }
}

/**
 * The value under `key`, created by `make` when absent. Keys come from the trace (tool names, label values), so
 * only own properties count and a new one is defined, not assigned: `__proto__` or `constructor` is an entry too.
 */
function entry<T>(record: Record<string, T>, key: string, make: () => T): T {
  if (Object.hasOwn(record, key)) return record[key]!;
  const made = make();
  Object.defineProperty(record, key, { value: made, enumerable: true, writable: true, configurable: true });
  return made;
}

function labelTally(): LabelTally {
  return { attack: tally(), other: tally() };
}
