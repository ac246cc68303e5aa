// A gated tool loop with an approval, against the scripted model (no API key needed):
//   node --conditions=@tollgate/source --import tsx packages/openai/examples/run.ts
import { GatedToolRunner } from '@tollgate/core';
import { GatedOpenAI, type RunState } from '@tollgate/openai';
import { startScriptedModel } from '@tollgate/openai/server';
import OpenAI from 'openai';

// The "model": asks to send money, then reports what the tool answered.
const model = await startScriptedModel({
  respond: (request) =>
    request.toolOutputs.length === 0
      ? { text: 'Sending it now.', toolCalls: [{ name: 'send_money', arguments: { to: 'bob', amount: 250 } }] }
      : { text: `Done: ${request.toolOutputs[0]!.output}.` },
});

const runner = new GatedToolRunner({
  gates: [
    {
      name: 'large-payments',
      stage: 'decision',
      check: (ctx) =>
        Number(ctx.args.amount) > 100
          ? { outcome: 'require_approval', reason: 'approval_required', message: 'Payments over 100 need a human.' }
          : { outcome: 'allow', reason: 'ok' },
    },
  ],
  tools: [
    {
      name: 'send_money',
      description: 'Send money to a person.',
      parameters: {
        type: 'object',
        properties: { to: { type: 'string' }, amount: { type: 'number' } },
        required: ['to', 'amount'],
        additionalProperties: false,
      },
      handler: (args: { to: string; amount: number }) => `sent ${args.amount} to ${args.to}`,
    },
  ],
});

const client = new OpenAI({ apiKey: 'sk-test', baseURL: model.baseURL, timeout: 20_000, maxRetries: 2 });
const agent = new GatedOpenAI({ client, runner, model: 'gpt-4.1-mini', api: 'responses' });

try {
  const first = await agent.run({ input: 'Pay bob 250.', context: { actor: 'alice' } });
  console.log(`status: ${first.status}`);
  for (const i of first.interruptions ?? [])
    console.log(`needs approval: ${i.tool} ${JSON.stringify(i.args)} (${i.message})`);

  // The state is plain JSON: store it anywhere, resume later (even in another process sharing the approval store).
  const saved = JSON.stringify(first.state);
  const state = JSON.parse(saved) as RunState;
  const approvalId = state.approvalIds[0]!;
  const final = await agent.resume(state, { [approvalId]: { approve: true, by: 'ops@example.com' } });
  console.log(`status: ${final.status}`);
  console.log(`model: ${final.outputText}`);
} finally {
  await model.close();
}
