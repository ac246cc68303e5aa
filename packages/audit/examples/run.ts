// Audits a few tool calls into a hash-chained JSONL file, verifies it, then shows what tampering looks like.
// Run from the repo root: node --conditions=@tollgate/source --import tsx packages/audit/examples/run.ts
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditGate, JsonlFileSink, verify } from '@tollgate/audit';
import { GatedToolRunner } from '@tollgate/core';

const dir = await mkdtemp(join(tmpdir(), 'tollgate-audit-example-'));
const file = join(dir, 'audit.jsonl');
const clock = { now: () => Date.UTC(2026, 10, 21, 9, 30) };

const sink = new JsonlFileSink(file, { flush: { batch: { maxRecords: 100, maxMs: 10 } } });
const audit = new AuditGate({ sink, writeAhead: true });
const runner = new GatedToolRunner({
  clock,
  gates: [
    audit,
    {
      name: 'limits',
      stage: 'rule',
      check: (ctx) =>
        (ctx.args.amount as number) > 1000
          ? { outcome: 'require_approval', reason: 'large_payment', message: 'Above 1,000 needs a human.' }
          : { outcome: 'allow', reason: 'ok' },
    },
  ],
  tools: [
    {
      name: 'send_payment',
      parameters: {
        type: 'object',
        properties: { amount: { type: 'number' }, to: { type: 'string' }, api_key: { type: 'string' } },
        required: ['amount', 'to'],
      },
      handler: (args: { amount: number; to: string }) => ({ paid: args.amount, to: args.to }),
    },
  ],
});

const who = { actor: 'agent-7', tenant: 'acme', callId: 'call_demo_1', traceId: 'trace_demo' };
const paid = await runner.call('send_payment', { amount: 40, to: 'bob', api_key: 'sk-live-0123456789abcdefXYZ' }, who);
const waiting = await runner.call('send_payment', { amount: 5000, to: 'carol' }, { ...who, callId: 'call_demo_2' });
await runner.approve(waiting.approval?.id as string, { by: 'alice@example.com' });
const resumed = await runner.resume(waiting.approval?.id as string);
const invented = await runner.call('delete_everything', {}, { ...who, callId: 'call_demo_3' });
await sink.close();

for (const r of [paid, waiting, resumed, invented]) console.log(`${r.callId} ${r.status} ${r.reason}`);
console.log('stats', JSON.stringify(audit.stats()));
const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
console.log('intact', JSON.stringify(await verify(file)));
console.log('outcome record', lines[1]);

// An insider edits the amount of the first payment, without recomputing its hash…
await writeFile(file, `${[lines[0]!.replace('"amount":40', '"amount":4'), ...lines.slice(1)].join('\n')}\n`);
console.log('edited', JSON.stringify((await verify(file)).firstBad));
// …or deletes a record.
await writeFile(file, `${lines.filter((_, i) => i !== 2).join('\n')}\n`);
console.log('deleted', JSON.stringify((await verify(file)).firstBad));
await rm(dir, { recursive: true });
