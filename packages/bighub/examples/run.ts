/**
 * A BIGHUB-gated refund tool against the local emulator:
 *   node --conditions=@tollgate/source --import tsx packages/bighub/examples/run.ts
 * With BIGHUB_URL set (e.g. to a running `examples/emulator.ts`), it uses that server instead of starting one.
 */
import { pathToFileURL } from 'node:url';
import { BighubGate } from '@tollgate/bighub';
import { startBighubEmulator } from '@tollgate/bighub/emulator';
import { GatedToolRunner } from '@tollgate/core';

interface RefundArgs {
  order_id: string;
  amount: number;
}

/** Runs four calls through the gate and returns one line per step. */
export async function runExample(bighubUrl: string): Promise<string[]> {
  const lines: string[] = [];
  const gate = new BighubGate({
    client: { baseUrl: bighubUrl },
    domain: 'customer_transactions',
    actor: 'support-agent',
    tools: { refund_payment: { actionName: 'refund', system: 'stripe', environment: 'production' } },
  });
  const runner = new GatedToolRunner({ gates: [gate] });
  runner.register<RefundArgs, { refunded: number }>({
    name: 'refund_payment',
    description: 'Refund an order.',
    parameters: {
      type: 'object',
      properties: { order_id: { type: 'string' }, amount: { type: 'number', exclusiveMinimum: 0 } },
      required: ['order_id', 'amount'],
      additionalProperties: false,
    },
    handler: (args) => ({ refunded: args.amount }),
    gates: {
      bighub: { valueFromArgs: (a: RefundArgs) => a.amount, targetFromArgs: (a: RefundArgs) => a.order_id },
    },
  });
  const refund = (amount: number) => runner.call('refund_payment', { order_id: `ord_${amount}`, amount });

  const small = await refund(50);
  lines.push(`refund 50: ${small.status}`);

  const large = await refund(2500);
  lines.push(
    `refund 2500: ${large.status} (${large.reason}), BIGHUB request ${large.approval?.data.bighub?.request_id}`,
  );
  if (large.approval) {
    const approved = await runner.approve(large.approval.id, { by: 'alice@example.com', comment: 'customer verified' });
    lines.push(`approved by alice: ${approved.ok ? 'resolved on BIGHUB' : approved.reason}`);
    const resumed = await runner.resume(large.approval.id);
    lines.push(`resumed: ${resumed.status} ${JSON.stringify(resumed.result)}`);
  }

  const huge = await refund(50_000);
  lines.push(`refund 50000: ${huge.status} (${huge.reason}): ${huge.message}`);

  await gate.flush();
  const stats = gate.stats();
  lines.push(`telemetry: ${stats.memory.sent} memory ingests, ${stats.outcomes.sent} outcome reports`);
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const url = process.env.BIGHUB_URL;
  const emulator = url
    ? undefined
    : await startBighubEmulator({
        rules: { maxValue: 10_000, requireApprovalAbove: 1_000, generation: 'better_decision' },
      });
  try {
    for (const line of await runExample(url ?? emulator!.url)) console.log(line);
  } finally {
    await emulator?.close();
  }
}
