import { startScriptedModel } from '@tollgate/openai/server';

/** A scripted OpenAI-compatible model: it pays both, then reports what the tools answered. */
export function startExampleModel() {
  return startScriptedModel({
    respond: (request) => {
      const outputs = request.conversation.filter((m) => m.role === 'tool');
      if (outputs.length === 0) {
        return {
          toolCalls: [
            { callId: 'call_plumber', name: 'send_money', arguments: { to: 'plumber', amount: 40 } },
            { callId: 'call_landlord', name: 'send_money', arguments: { to: 'landlord', amount: 900 } },
          ],
        };
      }
      if (outputs.length < 2) return { text: 'Paid the plumber; the rent waits for your approval.' };
      return { text: `Done: ${outputs.map((m) => String(m.content)).join('; ')}.` };
    },
  });
}
