// The demo, offline: a scripted OpenAI-compatible model over real HTTP plays the model's part.
import { Command } from '@langchain/langgraph';
import type { TollgateInterrupt } from '@tollgate/langchain';
import { startScriptedModel } from '@tollgate/openai/server';
import { paymentsAgent } from './agent.js';

type Log = (line: string) => void;

/** Runs the three stories and returns what was really sent. */
export async function demo(log: Log = console.log): Promise<string[]> {
  const send = (amount: number) => ({
    toolCalls: [{ callId: `call_${amount}`, name: 'send_money', arguments: { to: 'Bob', amount } }],
  });
  const model = await startScriptedModel({
    turns: [send(40), { text: 'Sent 40 to Bob.' }, send(500), { text: 'Done.' }, send(500), { text: 'Done.' }],
  });
  try {
    const { agent, sent } = paymentsAgent({ baseURL: model.baseURL, apiKey: 'sk-test', model: 'gpt-test' });
    const story = async (thread: string, ask: string, decide?: (i: TollgateInterrupt) => unknown) => {
      const config = { configurable: { thread_id: thread } };
      log(`> ${ask}`);
      let out = await agent.invoke({ messages: [{ role: 'user', content: ask }] }, config);
      const pause = (out as { __interrupt__?: { value: TollgateInterrupt }[] }).__interrupt__?.[0]?.value;
      if (pause && decide) {
        const action = pause.actionRequests[0]!;
        log(`  paused: ${action.name} ${JSON.stringify(action.args)} waits for ${action.approvalId.slice(0, 12)}…`);
        const decision = decide(pause);
        log(`  reviewer: ${JSON.stringify(decision)}`);
        out = await agent.invoke(new Command({ resume: { decisions: [decision] } }), config);
      }
      const tool = out.messages.findLast((m) => m.getType() === 'tool');
      log(`  tool said: ${String(tool?.content)}`);
    };
    await story('small', 'Send 40 to Bob.');
    await story('approved', 'Send 500 to Bob.', () => ({ type: 'approve', by: 'ann@bank.example' }));
    await story('edited', 'Send 500 to Bob.', () => ({
      type: 'edit',
      by: 'mallory@bank.example',
      editedAction: { name: 'send_money', args: { to: 'Bob', amount: 5000 } },
    }));
    log(`really sent: ${sent.join('; ')}`);
    return sent;
  } finally {
    await model.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await demo();
