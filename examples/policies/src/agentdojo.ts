import { readFileSync } from 'node:fs';
import type { ReplayPolicy, TraceEpisode } from '@tollgate/cli';
import type { CallContext } from '@tollgate/core';
import type { FunctionTool } from '@tollgate/example-banking';
import { RateGate, rateKey } from '@tollgate/rate';

/** The AgentDojo suites whose tool schemas this package holds (banking's come with examples/banking). */
export type Suite = 'slack' | 'workspace';

/**
 * A suite's tool schemas (OpenAI function-tool format), copied from AgentDojo (MIT) into `data/`. Read relative
 * to this module, which sits one level below the package in both `src/` and `dist/`.
 */
export function suiteTools(suite: Suite): FunctionTool[] {
  return JSON.parse(readFileSync(new URL(`../data/${suite}-tools.json`, import.meta.url), 'utf8'));
}

/**
 * Per-tool gate options that confine gates to some tools: `{gate: tools}` gives every other tool
 * `gates[gate] = false`, so the runner skips the gate for it (no cost functions that return 0 for most tools).
 */
export function confine(
  tools: readonly FunctionTool[],
  gates: Record<string, ReadonlySet<string>>,
): NonNullable<ReplayPolicy['toolOptions']> {
  const options: NonNullable<ReplayPolicy['toolOptions']> = {};
  for (const { function: fn } of tools) {
    const skipped = Object.entries(gates).filter(([, only]) => !only.has(fn.name));
    if (skipped.length) options[fn.name] = Object.fromEntries(skipped.map(([gate]) => [gate, false]));
  }
  return options;
}

/**
 * The call context of an AgentDojo episode: every suite's user is Emma Johnson of Blue Sparrow Tech, and each
 * episode is its own session.
 */
export function agentdojoContext(episode: TraceEpisode): Omit<CallContext, 'callId'> {
  return { actor: 'emma.johnson', tenant: 'blue-sparrow-tech', session: episode.id };
}

/** An episode's suite: its `suite` label (AgentDojo importer), else the first part of its id (`slack/user_task_3/…`). */
export function suiteOf(episode: TraceEpisode): string | undefined {
  const label = episode.labels?.suite;
  return typeof label === 'string' ? label : episode.id.split('/')[0];
}

/** A rate gate allowing `points` calls a minute per user (tenant and actor), for the tools it is confined to. */
export function perUserPerMinute(name: string, points: number): RateGate {
  return new RateGate({
    name,
    limits: { name: `${name}-per-user`, key: rateKey('tenant', 'actor'), points, durationMs: 60_000 },
  });
}
