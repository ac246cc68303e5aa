import { type RespondFunction, type ScriptedTurn, startScriptedModel } from '@tollgate/openai/server';
import type { Episode } from './data.js';

/** The model name that selects an episode on the replay server. */
export function replayModelName(episode: Episode): string {
  return `agentdojo-replay/${episode.id}`;
}

/** Options for {@link startReplayModel}. */
export interface ReplayModelOptions {
  /** Told which recorded turn is about to be served (the demo moves its clock on it). */
  onTurn?: (episode: Episode, turn: number) => void;
}

/**
 * Answers each request with the next recorded assistant turn of the episode named by the request's
 * `model`, whatever the tool outputs said: a denial never changes what the recording does next.
 * The turn is the number of assistant messages already in the conversation. A request that answers other
 * calls than the previous recorded turn made gets a 409, so a client that drops or invents a call is caught.
 */
export function replayResponder(episodes: readonly Episode[], options: ReplayModelOptions = {}): RespondFunction {
  const byModel = new Map(episodes.map((e) => [replayModelName(e), e]));
  return (request): ScriptedTurn => {
    const episode = byModel.get(request.model);
    if (!episode) return { error: { status: 404, message: `No recorded episode for model "${request.model}".` } };
    const turn = request.conversation.filter((m) => m.role === 'assistant').length;
    const recorded = episode.turns[turn];
    if (!recorded) return { error: { status: 409, message: `${episode.id} has no recorded turn ${turn}.` } };
    const expected = (episode.turns[turn - 1]?.calls ?? []).map((c) => c.id).sort();
    const answered = request.toolOutputs.map((o) => o.callId).sort();
    if (expected.join() !== answered.join()) {
      return {
        error: {
          status: 409,
          message: `${episode.id} turn ${turn}: expected outputs for [${expected.join(', ')}], got [${answered.join(', ')}].`,
        },
      };
    }
    options.onTurn?.(episode, turn);
    return {
      text: recorded.text ?? undefined,
      toolCalls: recorded.calls.map((c) => ({ callId: c.id, name: c.name, arguments: c.arguments })),
    };
  };
}

/**
 * Starts the replay model: an OpenAI-compatible server on a free loopback port (see `@tollgate/openai/server`).
 * @returns its `baseURL` for the SDK, and `close()`
 */
export async function startReplayModel(episodes: readonly Episode[], options: ReplayModelOptions = {}) {
  return startScriptedModel({ respond: replayResponder(episodes, options) });
}
