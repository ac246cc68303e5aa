import type { RespondFunction } from '@tollgate/openai/server';

/**
 * A stand-in for the model: asked to refund an order (`ord_…` and an amount in the user's message), it calls
 * `refund_payment` once, then answers with what the tool said, as a model would.
 */
export const refundAgent: RespondFunction = (request) => {
  const [output] = request.toolOutputs;
  if (!output) {
    const user = [...request.conversation].reverse().find((m) => m.role === 'user');
    const text = typeof user?.content === 'string' ? user.content : '';
    const orderId = /ord_[A-Za-z0-9]+/.exec(text)?.[0];
    const amount = /(\d+(?:\.\d+)?)\s*$/.exec(text)?.[1];
    if (!orderId || !amount) return { text: 'Which order, and how much should I refund?' };
    return { toolCalls: [{ name: 'refund_payment', arguments: { order_id: orderId, amount: Number(amount) } }] };
  }
  const answer = JSON.parse(String(output.output)) as { ok?: boolean; refund_id?: string; message?: string };
  return { text: answer.ok ? `Refunded (${answer.refund_id}).` : `The refund was not made: ${answer.message}` };
};
