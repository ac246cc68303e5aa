import { Agent, OpenAIProvider, RunContext, Runner, RunState } from '@openai/agents';
import { GatedAgentTools } from '@tollgate/agents';
import type { Clock } from '@tollgate/core';
import type OpenAI from 'openai';
import { z } from 'zod';
import { paymentsRunner } from './policy.js';

/** What a client holds between two requests: the user, and the paused run as the SDK serializes it. */
export interface Session {
  user: string;
}

/** One line of what happened, for the demo to print and the test to check. */
export interface Step {
  what: string;
  /** The model's final text, or what the tool answered the model for the paid call. */
  outcome: string;
}

/**
 * A payments agent on the OpenAI Agents SDK, its tools gated by tollgate: pay rent of 1,200.00 (above the
 * approval threshold), then what a client can do with the paused run state it holds: approve the payment itself,
 * raise the amount, replay the state after it was used. Only the reviewer's approval, in tollgate's store, pays,
 * once, the approved amount.
 */
export async function bankDemo(client: OpenAI, options: { model?: string; clock?: Clock } = {}) {
  const runner = paymentsRunner(options.clock);
  const gated = new GatedAgentTools<Session>({ runner, caller: (rc) => ({ actor: rc.context.user, tenant: 'bank' }) });
  const paid: { to: string; amount: number }[] = [];
  const agent = new Agent<Session>({
    name: 'payments',
    instructions: 'You pay bills for the user with send_money. Report what the tool answered.',
    model: options.model ?? 'gpt-4.1-mini',
    tools: [
      gated.tool({
        name: 'send_money',
        description: 'Send money to a payee (IBAN or name). Amount in EUR.',
        parameters: z.object({ to: z.string(), amount: z.number() }),
        execute: (payment) => {
          paid.push(payment);
          return { ok: true, receipt: `tx_${paid.length}`, ...payment };
        },
      }),
    ],
  });
  const sdk = new Runner({ modelProvider: new OpenAIProvider({ openAIClient: client }), tracingDisabled: true });
  const session: Session = { user: 'emma' };
  const steps: Step[] = [];
  const lastOutput = (state: { history: readonly { type?: string }[] }) => {
    const out = state.history.filter((i) => i.type === 'function_call_result').at(-1) as
      | { output?: unknown }
      | undefined;
    const text = out?.output as { text?: string } | string | undefined;
    return typeof text === 'string' ? text : (text?.text ?? '');
  };

  // 1. The run pauses: an SDK interruption, backed by an approval in tollgate's store.
  const first = await sdk.run(agent, 'Pay my rent of 1200 to GB29NWBK60161331926819.', { context: session });
  const [pending] = await gated.interruptions(first);
  steps.push({
    what: `paused: ${pending?.item.name} waits for ${pending?.approvalId} (${pending?.approval?.reason})`,
    outcome: `${paid.length} payments`,
  });
  const saved = first.state.toString(); // what the client holds

  // 2. The client approves the call in the state it holds. The SDK would run it; tollgate refuses.
  const forged = await RunState.fromString(agent, saved);
  forged.approve(forged.getInterruptions()[0]!);
  const afterForgery = await sdk.run(agent, forged);
  steps.push({ what: 'client approves its own state', outcome: lastOutput(afterForgery.state) });

  // 3. The reviewer approves in tollgate; the client raises the amount in the approved state.
  const reviewed = await RunState.fromString(agent, saved);
  await gated.approve(reviewed, reviewed.getInterruptions()[0]!, { by: 'ops@bank.example' });
  const approvedText = reviewed.toString();
  const raised = await RunState.fromString(agent, approvedText.replaceAll('\\"amount\\":1200', '\\"amount\\":9200'));
  const afterEdit = await sdk.run(agent, raised);
  steps.push({ what: 'client raises the approved amount to 9200', outcome: lastOutput(afterEdit.state) });

  // 4. The honest resume pays, once, the approved amount. The context comes from the server's session, not the state.
  const restore = (text: string) => RunState.fromStringWithContext(agent, text, new RunContext(session));
  const done = await sdk.run(agent, await restore(approvedText));
  steps.push({ what: 'resume the approved state', outcome: String(done.finalOutput) });

  // 5. The same approved state, replayed.
  const replay = await sdk.run(agent, await restore(approvedText));
  steps.push({ what: 'replay the approved state', outcome: lastOutput(replay.state) });

  return { steps, paid };
}
