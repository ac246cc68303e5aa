import type { ScriptedRequest, ScriptedTurn } from '@tollgate/openai/server';

/**
 * A stand-in model for the demo: reads "pay … of <amount> to <payee>" from the user's message and calls
 * `send_money`; once the call has an output, repeats what the tool said.
 */
export function paymentsModel(request: ScriptedRequest): ScriptedTurn {
  const [last] = request.toolOutputs.slice(-1);
  if (last) return { text: `The bank answered: ${String(last.output)}` };
  const user = request.conversation.find((item) => item.role === 'user');
  const text = typeof user?.content === 'string' ? user.content : JSON.stringify(user?.content ?? '');
  const match = /of (\d+(?:\.\d+)?) to ([A-Z0-9]+)/.exec(text);
  if (!match) return { text: 'Whom should I pay, and how much?' };
  return { toolCalls: [{ name: 'send_money', arguments: { to: match[2]!, amount: Number(match[1]) } }] };
}
