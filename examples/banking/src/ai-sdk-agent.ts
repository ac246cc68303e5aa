import { createOpenAI } from '@ai-sdk/openai';
import { type GateToolsOptions, gatedTools, settleApprovals } from '@tollgate/ai-sdk';
import type { CallContext, GatedToolRunner } from '@tollgate/core';
import { ProvenanceLog } from '@tollgate/provenance';
import { generateText, type ModelMessage, stepCountIs } from 'ai';
import type { Episode } from './data.js';
import { replayModelName } from './replay-model.js';

/** Who decides an approval, and what they say: the demo's stand-in reviewer denies each one. */
export interface Reviewer {
  by: string;
  comment: string;
  /** Told of each approval request; answers whether it is approved. */
  decide(): boolean;
}

/**
 * Replays one episode through the Vercel AI SDK instead of `@tollgate/openai`: `generateText` with the AI SDK's
 * OpenAI provider over loopback to the replay model, the runner's tools gated by `@tollgate/ai-sdk` (with the run's
 * provenance), and every tool-approval request answered by the reviewer, settled in the runner's store, until a run
 * ends with none. Rejects when a model call fails.
 */
export async function runEpisodeWithAiSdk(
  baseURL: string,
  runner: GatedToolRunner,
  episode: Episode,
  context: CallContext,
  reviewer: Reviewer,
): Promise<void> {
  const model = createOpenAI({ baseURL, apiKey: 'replay' }).chat(replayModelName(episode));
  const options: GateToolsOptions = {
    context,
    provenance: () => new ProvenanceLog(),
    system: episode.systemPrompt,
    decidedBy: reviewer.by,
  };
  const tools = gatedTools(runner, options);
  let messages: ModelMessage[] = [{ role: 'user', content: episode.userPrompt }];
  for (;;) {
    const result = await generateText({
      model,
      system: episode.systemPrompt,
      messages,
      tools,
      stopWhen: stepCountIs(episode.turns.length),
      maxRetries: 0,
    });
    messages.push(...result.response.messages);
    const requests = result.content.filter((part) => part.type === 'tool-approval-request');
    if (requests.length === 0) return;
    const content = requests.map((request) => ({
      type: 'tool-approval-response' as const,
      approvalId: request.approvalId,
      approved: reviewer.decide(),
      reason: reviewer.comment,
    }));
    messages = await settleApprovals(runner, [...messages, { role: 'tool', content }], options);
  }
}
