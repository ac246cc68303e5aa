import type { GatedToolRunner } from '@tollgate/core';
import {
  type ApprovalChoice,
  GatedOpenAI,
  type OnApprovalRequired,
  type RunEvent,
  type RunResult,
} from '@tollgate/openai';
import type OpenAI from 'openai';

/** What the team asks the ops agent, one conversation each, in this order. */
export const OPS_REQUESTS = [
  'Grant alice temporary Okta admin access for 48h',
  'Grant alice temporary Okta admin access for 8h',
  'Grant bob temporary Okta admin access for 100h',
  'Deploy api and web version 1.4.2 to production under change CHG-1042',
] as const;

/** The instructions a live model gets. */
export const OPS_PROMPT =
  'You are an ops agent. Use grant_access (group okta-admins) and deploy as the user asks. If a tool says ' +
  'context is missing and the user gave it, call again with it. Then say in one sentence what happened.';

/** The stand-in security on-call: denies what BIGHUB sent for review, asking for the narrower grant. */
export const securityOnCall: OnApprovalRequired = () => ({
  approve: false,
  by: 'security-oncall@example.com',
  comment: 'Too broad: follow BIGHUB and ask for at most 8 h.',
});

/** One request: every stream event in order, the approvals decided, and the final answer. */
export interface OpsStep {
  /** The user's message. */
  request: string;
  /** Every stream event, across the run and its resumes. */
  events: RunEvent[];
  /** The reviewer's decisions, in order. */
  approvals: ApprovalChoice[];
  /** The model's last answer. */
  reply: string;
}

/** Options for {@link runOps}. */
export interface OpsOptions {
  /** An OpenAI client: the real API, any compatible server, or the scripted model. */
  client: OpenAI;
  /** The model name sent with each request. */
  model: string;
  /** The runner from `opsRunner`. */
  runner: GatedToolRunner;
  /** Who decides approvals. */
  reviewer: OnApprovalRequired;
  /** Default {@link OPS_REQUESTS}. */
  requests?: readonly string[];
  /** Told about every event as it happens (to print a live log). */
  onEvent?: (event: RunEvent) => void;
}

/**
 * Runs each request as a streamed conversation (`runStream`); when a call waits for approval, the reviewer
 * decides and the run continues with `resumeStream`, until the model answers without tools.
 */
export async function runOps(options: OpsOptions): Promise<OpsStep[]> {
  const agent = new GatedOpenAI({
    client: options.client,
    runner: options.runner,
    model: options.model,
    api: 'chat',
    maxToolRounds: 4,
    context: { actor: 'ops-agent' },
  });
  const steps: OpsStep[] = [];
  for (const request of options.requests ?? OPS_REQUESTS) {
    const step: OpsStep = { request, events: [], approvals: [], reply: '' };
    let stream = agent.runStream({
      messages: [
        { role: 'system', content: OPS_PROMPT },
        { role: 'user', content: request },
      ],
    });
    for (;;) {
      let final: RunResult | undefined;
      for await (const event of stream) {
        step.events.push(event);
        options.onEvent?.(event);
        if (event.type === 'final_response') final = event.result;
      }
      if (final?.status !== 'paused' || !final.state) {
        step.reply = final?.outputText ?? '';
        break;
      }
      const decisions: Record<string, ApprovalChoice> = {};
      for (const interruption of final.interruptions ?? []) {
        const choice = await options.reviewer(interruption, final.state);
        decisions[interruption.approvalId] = choice;
        step.approvals.push(choice);
      }
      stream = agent.resumeStream(final.state, decisions);
    }
    steps.push(step);
  }
  return steps;
}

/** The tool outcomes of a step, as `tool:status:reason`, in the order they happened. */
export function outcomesOf(step: OpsStep): string[] {
  return step.events.flatMap((e) => (e.type === 'execution_event' ? [`${e.tool}:${e.status}:${e.reason}`] : []));
}
