import type { GatedToolRunner, GateResult } from '@tollgate/core';
import { type ApprovalChoice, GatedOpenAI, type OnApprovalRequired } from '@tollgate/openai';
import { compareDecimal } from '@tollgate/rule';
import type OpenAI from 'openai';

/** What the customers ask for, one conversation each, in this order. */
export const REFUND_REQUESTS = [
  'Refund order ord_123 for 199.99',
  'Refund order ord_456 for 450.00',
  'Refund order ord_789 for 400.00',
  'Refund order ord_321 for 120.00',
] as const;

/** The instructions a live model gets. */
export const SUPPORT_PROMPT =
  'You are a support agent. When a customer asks for a refund, call refund_payment once with the order id and ' +
  'amount they give, then tell them in one sentence what happened. Never retry a refund that was refused.';

/** The stand-in on-call lead: approves refunds up to 1,000.00, denies larger ones. */
export const onCallLead: OnApprovalRequired = (interruption) => {
  const approve = (compareDecimal(interruption.args.amount, '1000.00') ?? 1) <= 0;
  return {
    approve,
    by: 'on-call-lead@example.com',
    comment: approve ? 'Order checked, refund approved.' : 'Too large for the desk; escalate to finance.',
  };
};

/** One customer request and what came of it. */
export interface RefundStep {
  /** The customer's message. */
  request: string;
  /** Every result in order: the first decision, then the resumed call after an approval. */
  results: GateResult[];
  /** The reviewer's decisions, if the refund needed one. */
  approvals: ApprovalChoice[];
  /** What the model told the customer. */
  reply: string;
}

/** Options for {@link runRefundDesk}. */
export interface RefundDeskOptions {
  /** An OpenAI client: the real API, any compatible server, or the scripted model. */
  client: OpenAI;
  /** The model name sent with each request. */
  model: string;
  /** The runner holding `refund_payment` and its gates. */
  runner: GatedToolRunner;
  /** Who decides approvals. */
  reviewer: OnApprovalRequired;
  /** Default {@link REFUND_REQUESTS}. */
  requests?: readonly string[];
}

/**
 * Runs each request as its own conversation through `@tollgate/openai`'s `runWithApproval`: a refund that
 * needs approval pauses, the reviewer decides, and an approved one is resumed (every other gate runs again).
 */
export async function runRefundDesk(options: RefundDeskOptions): Promise<RefundStep[]> {
  const agent = new GatedOpenAI({
    client: options.client,
    runner: options.runner,
    model: options.model,
    api: 'chat',
    maxToolRounds: 3,
    context: { actor: 'support-agent' },
  });
  let results: GateResult[] = [];
  const stop = options.runner.onDecision((event) => {
    if (event.type === 'result') results.push(event.result);
  });
  const steps: RefundStep[] = [];
  try {
    for (const request of options.requests ?? REFUND_REQUESTS) {
      results = [];
      const approvals: ApprovalChoice[] = [];
      const run = await agent.runWithApproval(
        {
          messages: [
            { role: 'system', content: SUPPORT_PROMPT },
            { role: 'user', content: request },
          ],
        },
        async (interruption, state) => {
          const choice = await options.reviewer(interruption, state);
          approvals.push(choice);
          return choice;
        },
      );
      steps.push({ request, results, approvals, reply: run.outputText });
    }
  } finally {
    stop();
  }
  return steps;
}
