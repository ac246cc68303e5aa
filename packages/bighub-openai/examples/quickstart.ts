// The bighub-openai quick start on tollgate: a refund tool, gated by BIGHUB, in an OpenAI tool loop.
//   node --conditions=@tollgate/source --import tsx packages/bighub-openai/examples/quickstart.ts
// With OPENAI_API_KEY and BIGHUB_API_KEY set it talks to OpenAI and BIGHUB. Without them it starts the local BIGHUB
// emulator and a scripted model that asks for the refund, so it runs offline.
import { pathToFileURL } from 'node:url';
import { startBighubEmulator } from '@tollgate/bighub/emulator';
import { createBighubAgent } from '@tollgate/bighub-openai';
import { startScriptedModel } from '@tollgate/openai/server';
import OpenAI from 'openai';

interface Refund {
  order_id: string;
  amount: number;
}

/** Runs the quick start against the given OpenAI and BIGHUB endpoints; returns what it prints. */
export async function quickstart(openai: OpenAI, bighub: { apiKey?: string; baseURL?: string }): Promise<string[]> {
  const agent = createBighubAgent({
    client: openai,
    bighub,
    actor: 'AI_AGENT_001',
    domain: 'payments',
    model: 'gpt-4.1',
    tools: [
      {
        name: 'refund_payment',
        description: 'Refund an order.',
        parameters: {
          type: 'object',
          properties: { order_id: { type: 'string' }, amount: { type: 'number', exclusiveMinimum: 0 } },
          required: ['order_id', 'amount'],
          additionalProperties: false,
        },
        handler: ({ order_id, amount }: Refund) => ({ ok: true, order_id, amount }),
        gates: { bighub: { valueFromArgs: (a: Refund) => a.amount, targetFromArgs: (a: Refund) => a.order_id } },
      },
    ],
  });
  const response = await agent.run({ input: 'Refund order ord_123 for 199.99' });
  const last = response.execution.last;
  const decision = last?.decisions.find((d) => d.gate === 'bighub');
  const lines = [
    `${last?.tool}: ${last?.status}; BIGHUB: ${decision?.reason} (risk ${decision?.data?.risk})`,
    `model: ${response.outputText}`,
  ];
  await agent.bighub.flush();
  return lines;
}

async function main(): Promise<void> {
  const { OPENAI_API_KEY, BIGHUB_API_KEY, BIGHUB_BASE_URL } = process.env;
  if (OPENAI_API_KEY && BIGHUB_API_KEY) {
    const lines = await quickstart(new OpenAI({ apiKey: OPENAI_API_KEY, timeout: 30_000, maxRetries: 2 }), {
      apiKey: BIGHUB_API_KEY,
      baseURL: BIGHUB_BASE_URL,
    });
    for (const line of lines) console.log(line);
    return;
  }
  const bighub = await startBighubEmulator({ apiKey: 'bhk_local', rules: { maxValue: 1000 } });
  const model = await startScriptedModel({
    respond: (req) =>
      req.toolOutputs.length === 0
        ? { toolCalls: [{ name: 'refund_payment', arguments: { order_id: 'ord_123', amount: 199.99 } }] }
        : { text: `Refunded: ${req.toolOutputs[0]!.output}` },
  });
  try {
    const openai = new OpenAI({ apiKey: 'sk-local', baseURL: model.baseURL, maxRetries: 0 });
    for (const line of await quickstart(openai, { apiKey: 'bhk_local', baseURL: bighub.url })) console.log(line);
  } finally {
    await model.close();
    await bighub.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
