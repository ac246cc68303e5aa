// Run from the repo root: node --conditions=@tollgate/source --import tsx packages/core/examples/concepts.ts
import { type Gate, GatedToolRunner } from '@tollgate/core';

// A gate is a small object: a name, a stage, and a check. This one holds a daily count in memory
// and gives the slot back when the call does not run (a reservation).
let paymentsToday = 0;
const dailyCount: Gate = {
  name: 'daily-count',
  stage: 'rate',
  check: () => {
    if (paymentsToday >= 3)
      return { outcome: 'block', reason: 'rate_limited', message: 'Three payments a day at most.' };
    paymentsToday++;
    return { outcome: 'allow', reason: 'ok', reservation: { commit() {}, release: () => void paymentsToday-- } };
  },
};

// Payments above 1,000 wait for a human.
const review: Gate = {
  name: 'review',
  stage: 'rule',
  check: (ctx) =>
    (ctx.args.amount as number) > 1000
      ? { outcome: 'require_approval', reason: 'large_payment', message: 'Payments above 1,000 need a human.' }
      : { outcome: 'allow', reason: 'ok' },
};

const runner = new GatedToolRunner({ gates: [review, dailyCount] }); // any order: the runner orders by stage
runner.register({
  name: 'send_money',
  description: 'Send money to an IBAN.',
  parameters: {
    type: 'object',
    properties: { recipient: { type: 'string', minLength: 15 }, amount: { type: 'number', exclusiveMinimum: 0 } },
    required: ['recipient', 'amount'],
    additionalProperties: false,
  },
  handler: ({ recipient, amount }: { recipient: string; amount: number }) => `sent ${amount} to ${recipient}`,
});

const show = (label: string, r: { status: string; reason: string; message: string }) =>
  console.log(`${label.padEnd(22)} ${r.status.padEnd(18)} ${r.reason.padEnd(18)} ${r.message}`);

// The model's arguments arrive as a JSON string, exactly as in a tool call.
show('small payment', await runner.call('send_money', '{"recipient":"GB29NWBK60161331926819","amount":42}'));
show('bad arguments', await runner.call('send_money', '{"recipient":"x","amount":-1}'));
show('invented tool', await runner.call('wire_all_funds', '{}'));

const big = await runner.call(
  'send_money',
  { recipient: 'GB29NWBK60161331926819', amount: 5000 },
  { actor: 'agent-1' },
);
show('large payment', big);
console.log(`slots held while it waits: ${paymentsToday}`);

await runner.approve(big.approval!.id, { by: 'ops@bank.example', comment: 'confirmed by phone' });
show('after approval', await runner.resume(big.approval!.id));
show('resumed twice', await runner.resume(big.approval!.id));
