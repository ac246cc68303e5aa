import { AuditGate, type AuditStats, JsonlFileSink, type VerifyResult, verify } from '@tollgate/audit';
import { type CallContext, type Clock, errorText, GatedToolRunner, type GateResult } from '@tollgate/core';
import { type ApprovalChoice, GatedOpenAI, ModelCallError } from '@tollgate/openai';
import { ProvenanceLog } from '@tollgate/provenance';
import OpenAI from 'openai';
import { knownPayees } from './account.js';
import { runEpisodeWithAiSdk } from './ai-sdk-agent.js';
import { type Episode, loadEpisodes, loadTools } from './data.js';
import { bankPolicy, bankProvenance } from './policy.js';
import { replayModelName, startReplayModel } from './replay-model.js';
import { type CallOutcome, type EpisodeOutcome, type Summary, summarize, verdictOf } from './score.js';
import { bankRecords, Recording, replayedTools } from './tools.js';

/** The account holder the recorded agent works for (AgentDojo's user, Emma Johnson). */
export const ACCOUNT_HOLDER = 'emma.johnson';

/** Who denies every approval in the demo. */
export const STAND_IN_REVIEWER = 'stand-in-reviewer';

/** Options for {@link runDemo}. */
export interface DemoOptions {
  /** Where the audit file goes (created; an existing file must hold a valid chain, which is continued). */
  auditFile: string;
  /** Episodes to replay (default: all 169 banking episodes in `data/`). */
  episodes?: readonly Episode[];
  /**
   * The tool loop the recorded model talks to: `openai` (default) runs `@tollgate/openai`'s loop on the `openai` SDK,
   * `ai-sdk` runs `generateText` from the Vercel AI SDK with `@tollgate/ai-sdk`. The figures must be the same.
   */
  adapter?: 'openai' | 'ai-sdk';
  /** Told after each episode, e.g. to move a progress bar. */
  onEpisode?: (outcome: EpisodeOutcome, done: number, total: number) => void;
}

/** What the demo found. */
export interface DemoReport {
  /** The tool loop the replay ran through. */
  adapter: 'openai' | 'ai-sdk';
  /** Every episode's calls and their results, in data order. */
  episodes: EpisodeOutcome[];
  /** The figures, scored against the labels. */
  summary: Summary;
  /** The account's established payees the policy was built with. */
  knownPayees: string[];
  /** Approvals the stand-in reviewer denied. */
  denied: number;
  /** The first labelled attacker call the provenance gate paused, as the reviewer sees it: its approval. */
  example?: GateResult;
  /** The audit file, what the gate wrote to it, and `verify`'s answer after it was closed. */
  audit: { file: string; stats: AuditStats; verify: VerifyResult };
  /**
   * Anything that went wrong with the replay itself (a model call that failed, a recorded call without
   * exactly one result). Empty on a good run.
   */
  problems: string[];
}

/** What the stand-in reviewer says. */
const DENIAL = 'The demo denies every approval.';

/** Each episode is replayed as its own day, from the recording date, so daily budgets start afresh. */
const FIRST_DAY = Date.UTC(2024, 5, 5, 9, 0, 0);
const DAY_MS = 86_400_000;
/** The replayed agent takes a minute per turn. */
const TURN_MS = 60_000;

/** The demo's time: set by the replay, read by the gates. */
class ReplayClock implements Clock {
  private t = FIRST_DAY;
  at(day: number, turn: number): void {
    this.t = FIRST_DAY + day * DAY_MS + turn * TURN_MS;
  }
  now(): number {
    return this.t;
  }
}

/**
 * Replays the recorded banking episodes through the full stack: the `openai` SDK talks to the replay
 * model over loopback through `@tollgate/openai`, every tool call goes through the bank's policy, handlers
 * return the recorded outputs, and the stand-in reviewer denies every approval. Labels are read only after
 * every decision, to score them. Never throws for a call's outcome; throws only if the data cannot be loaded
 * or the replay server cannot start.
 */
export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const episodes = options.episodes ?? loadEpisodes();
  const payees = knownPayees(episodes);
  const clock = new ReplayClock();
  const policy = bankPolicy({ knownPayees: payees });
  // Every call, whatever happens to it, lands in the hash-chained file; an intent record goes first, and if it
  // cannot be written nothing runs (write-ahead, fail-closed). Runner-wide, so even invented tools are recorded.
  const auditSink = new JsonlFileSink(options.auditFile, { flush: 'fsync' });
  const auditGate = new AuditGate({ sink: auditSink, writeAhead: true });
  const runner = new GatedToolRunner({
    gates: [...policy.gates, bankProvenance(), auditGate],
    tools: replayedTools(loadTools(), new Recording(episodes), policy.tools, bankRecords),
    clock,
  });
  let day = 0;
  let results: GateResult[] = [];
  runner.onDecision((event) => {
    if (event.type === 'result') results.push(event.result);
  });
  let denied = 0;
  const reviewer = (): ApprovalChoice => {
    denied++;
    return { approve: false, by: STAND_IN_REVIEWER, comment: DENIAL };
  };
  const aiSdkReviewer = { by: STAND_IN_REVIEWER, comment: DENIAL, decide: () => reviewer().approve };

  const model = await startReplayModel(episodes, { onTurn: (_episode, turn) => clock.at(day, turn) });
  const client = new OpenAI({ apiKey: 'replay', baseURL: model.baseURL, maxRetries: 0, timeout: 30_000 });
  const outcomes: EpisodeOutcome[] = [];
  const problems: string[] = [];
  try {
    for (const [index, episode] of episodes.entries()) {
      day = index;
      clock.at(day, 0);
      results = [];
      const context = { actor: ACCOUNT_HOLDER, session: episode.id };
      try {
        if (options.adapter === 'ai-sdk') {
          await runEpisodeWithAiSdk(model.baseURL, runner, episode, context, aiSdkReviewer);
        } else {
          const run = await replayAgent(client, runner, episode, context).runWithApproval(
            {
              messages: [
                { role: 'system', content: episode.systemPrompt },
                { role: 'user', content: episode.userPrompt },
              ],
            },
            reviewer,
          );
          if (run.status !== 'completed') problems.push(`${episode.id}: the run ended ${run.status}`);
        }
      } catch (err) {
        const code = err instanceof ModelCallError ? ` (${err.code})` : '';
        problems.push(`${episode.id}: the replay failed${code}: ${errorText(err)}`);
      }
      const outcome = matchResults(episode, results, problems);
      outcomes.push(outcome);
      options.onEpisode?.(outcome, index + 1, episodes.length);
    }
  } finally {
    await model.close();
    await auditSink.close();
  }
  const example = outcomes
    .flatMap((o) => o.calls)
    .find((c) => c.call.attackGoalCall === true && c.result.approval?.gates.includes('provenance'))?.result;
  return {
    adapter: options.adapter ?? 'openai',
    episodes: outcomes,
    summary: summarize(outcomes),
    knownPayees: [...payees],
    denied,
    ...(example ? { example } : {}),
    audit: { file: options.auditFile, stats: auditGate.stats(), verify: await verify(options.auditFile) },
    problems,
  };
}

/** The recorded assistant for one episode: the replay model behind `@tollgate/openai`, as many rounds as it took. */
export function replayAgent(
  client: OpenAI,
  runner: GatedToolRunner,
  episode: Episode,
  context: CallContext,
): GatedOpenAI {
  return new GatedOpenAI({
    client,
    runner,
    model: replayModelName(episode),
    api: 'chat',
    maxToolRounds: episode.turns.length,
    breaker: false,
    context,
    provenance: () => new ProvenanceLog(),
  });
}

/**
 * Pairs each recorded call with its first result (a resume after the reviewer's denial adds a second one,
 * with `resumedFrom`, which is the reviewer's answer, not the gates' decision).
 */
function matchResults(episode: Episode, results: readonly GateResult[], problems: string[]): EpisodeOutcome {
  const first = new Map<string, GateResult[]>();
  for (const r of results) {
    if (r.resumedFrom) continue;
    first.set(r.callId, [...(first.get(r.callId) ?? []), r]);
  }
  const recorded = new Set(episode.calls.map((c) => c.id));
  for (const id of first.keys())
    if (!recorded.has(id)) problems.push(`${episode.id}: a result for unrecorded call ${id}`);
  const calls: CallOutcome[] = [];
  for (const call of episode.calls) {
    const got = first.get(call.id) ?? [];
    if (got.length !== 1) {
      problems.push(`${episode.id}: call ${call.id} (${call.name}) got ${got.length} results`);
      continue;
    }
    calls.push({ call, result: got[0]!, verdict: verdictOf(got[0]!) });
  }
  return { episode, calls };
}
