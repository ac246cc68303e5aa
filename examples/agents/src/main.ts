// node --conditions=@tollgate/source --import tsx examples/agents/src/main.ts
// Scripted model by default; set OPENAI_API_KEY (and OPENAI_BASE_URL, OPENAI_MODEL) to use a live one.
import { startScriptedModel } from '@tollgate/openai/server';
import OpenAI from 'openai';
import { bankDemo } from './bank.js';
import { paymentsModel } from './scripted-model.js';

const live = process.env.OPENAI_API_KEY !== undefined;
const scripted = live ? undefined : await startScriptedModel({ respond: paymentsModel });
const client = new OpenAI({
  apiKey: process.env.OPENAI_API_KEY ?? 'scripted',
  baseURL: scripted?.baseURL ?? process.env.OPENAI_BASE_URL,
  timeout: 60_000,
  maxRetries: live ? 2 : 0,
});
console.log(
  `Payments agent on @openai/agents; model: ${live ? 'live' : 'scripted (set OPENAI_API_KEY for a live one)'}`,
);
try {
  const { steps, paid } = await bankDemo(client, live ? { model: process.env.OPENAI_MODEL ?? 'gpt-4.1-mini' } : {});
  for (const step of steps) console.log(`- ${step.what}\n    ${step.outcome}`);
  console.log(`payments made: ${JSON.stringify(paid)}`);
} catch (err) {
  console.error(`The demo stopped: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await scripted?.close();
}
