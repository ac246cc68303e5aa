import { RedisApprovalStore } from '@tollgate/approvals-redis';
import { AuditGate, JsonlFileSink } from '@tollgate/audit';
import { type ApprovalStore, GatedToolRunner, type GateResult } from '@tollgate/core';
import type { RunResult } from '@tollgate/openai';
import type { Redis } from 'ioredis';
import OpenAI from 'openai';
import { knownPayees } from './account.js';
import { loadEpisodes, loadTools } from './data.js';
import { ACCOUNT_HOLDER, replayAgent } from './demo.js';
import { bankPolicy, bankProvenance } from './policy.js';
import { startReplayModel } from './replay-model.js';
import { Recording, replayedTools } from './tools.js';

/** What the live agent reports, one event at a time (the CLI prints them as JSON lines). */
export type LiveEvent =
  | { type: 'paused'; episode: string; approvals: { id: string; tool: string; reason: string }[] }
  | {
      type: 'result';
      episode: string;
      callId: string;
      tool: string;
      status: GateResult['status'];
      reason: string;
      resumedFrom?: string;
    }
  | { type: 'done'; episode: string; status: RunResult['status'] };

/** Options for {@link runLiveAgent}. */
export interface LiveAgentOptions {
  /** The Redis the review console reads approvals from. */
  redis: Redis;
  /** Key prefix of the approval store (default `tollgate:approvals:`). */
  prefix?: string;
  /** The agent's audit file (the console shows it with `--audit`). */
  auditFile: string;
  /** Episode ids to run (default: the bill to a new payee and the password change). */
  episodes?: readonly string[];
  /** How long an approval waits for a reviewer (ms, default 15 minutes). */
  approvalTtlMs?: number;
  /** How often a paused run checks whether its approvals were decided (ms, default 500). */
  pollMs?: number;
  /** Told of every event. */
  onEvent?: (event: LiveEvent) => void;
}

/** The two benign episodes that wait for a person: a bill to a new payee, and a password change. */
export const LIVE_EPISODES = ['banking/user_task_0/none/none', 'banking/user_task_14/none/none'];

/**
 * The banking agent, live: the recorded episodes replayed through the bank's policy and provenance gate as in the
 * demo, but on
 * real time, with approvals in Redis and nobody in this process to decide them. A paused run waits until every
 * approval it waits for was decided elsewhere (the review console) or expired, then resumes: approved calls run
 * (re-checked, once), denials reach the model. Every call lands in the agent's hash-chained audit file.
 */
export async function runLiveAgent(options: LiveAgentOptions): Promise<void> {
  const all = loadEpisodes();
  const wanted = new Set(options.episodes ?? LIVE_EPISODES);
  const episodes = all.filter((e) => wanted.has(e.id));
  const missing = [...wanted].filter((id) => !episodes.some((e) => e.id === id));
  if (missing.length) throw new Error(`no recorded episode has id ${missing.join(', ')}`);
  const policy = bankPolicy({ knownPayees: knownPayees(all) });
  const sink = new JsonlFileSink(options.auditFile);
  const approvals: ApprovalStore = new RedisApprovalStore({
    redis: options.redis,
    ...(options.prefix ? { prefix: options.prefix } : {}),
  });
  const runner = new GatedToolRunner({
    gates: [...policy.gates, bankProvenance(), new AuditGate({ sink, writeAhead: true })],
    tools: replayedTools(loadTools(), new Recording(episodes), policy.tools),
    approvals,
    approvalTtlMs: options.approvalTtlMs ?? 15 * 60_000,
  });
  const emit = options.onEvent ?? (() => {});
  let current = '';
  runner.onDecision((e) => {
    if (e.type !== 'result') return;
    const r = e.result;
    emit({
      type: 'result',
      episode: current,
      callId: r.callId,
      tool: r.tool,
      status: r.status,
      reason: r.reason,
      ...(r.resumedFrom ? { resumedFrom: r.resumedFrom } : {}),
    });
  });
  const model = await startReplayModel(episodes);
  const client = new OpenAI({ apiKey: 'replay', baseURL: model.baseURL, maxRetries: 0, timeout: 30_000 });
  try {
    for (const episode of episodes) {
      current = episode.id;
      const agent = replayAgent(client, runner, episode, {
        actor: ACCOUNT_HOLDER,
        tenant: 'bank',
        session: episode.id,
      });
      let run = await agent.run({
        messages: [
          { role: 'system', content: episode.systemPrompt },
          { role: 'user', content: episode.userPrompt },
        ],
      });
      while (run.status === 'paused' && run.state) {
        const waiting = run.interruptions ?? [];
        emit({
          type: 'paused',
          episode: episode.id,
          approvals: waiting.map((i) => ({ id: i.approvalId, tool: i.tool, reason: i.reason })),
        });
        await untilDecided(
          runner,
          waiting.map((i) => i.approvalId),
          options.pollMs ?? 500,
        );
        run = await agent.resume(run.state); // decided elsewhere: the adapter resumes what was decided
      }
      emit({ type: 'done', episode: episode.id, status: run.status });
    }
  } finally {
    await model.close();
    await sink.close();
  }
}

async function untilDecided(runner: GatedToolRunner, ids: readonly string[], pollMs: number): Promise<void> {
  for (;;) {
    const records = await Promise.all(ids.map((id) => runner.getApproval(id).catch(() => undefined)));
    if (records.every((r) => r && r.status !== 'pending')) return;
    await new Promise((done) => setTimeout(done, pollMs));
  }
}
