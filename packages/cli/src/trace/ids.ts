import type { TraceEpisode } from './format.js';

/**
 * Finds ids a trace repeats: an episode id already used on an earlier line (a file concatenated twice, or two
 * runs under one id), and a call id used by two calls of one episode (approvals, audit records and `--out`
 * lines are told apart by it). Call ids may repeat across episodes: each episode is its own conversation.
 */
export class TraceIdCheck {
  private readonly episodes = new Map<string, number>();

  /** The repeated ids of one episode, as messages; `line` is the episode's line in the input. */
  check(episode: TraceEpisode, line: number): string[] {
    const problems: string[] = [];
    const earlier = this.episodes.get(episode.id);
    if (earlier === undefined) this.episodes.set(episode.id, line);
    else problems.push(`episode id "${episode.id}" is also the id of the episode on line ${earlier}`);
    const calls = new Map<string, number>();
    episode.calls.forEach((call, i) => {
      const first = calls.get(call.id);
      if (first === undefined) calls.set(call.id, i);
      else problems.push(`episode "${episode.id}": calls ${first + 1} and ${i + 1} share the call id "${call.id}"`);
    });
    return problems;
  }
}
