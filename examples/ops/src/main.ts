// node --conditions=@tollgate/source --import tsx examples/ops/src/main.ts
// Scripted model and a local BIGHUB emulator by default. Set OPENAI_API_KEY (and OPENAI_BASE_URL,
// OPENAI_MODEL) for a live model; BIGHUB_URL (and BIGHUB_API_KEY) for another BIGHUB.
import { startBighubEmulator } from '@tollgate/bighub/emulator';
import { startScriptedModel } from '@tollgate/openai/server';
import OpenAI from 'openai';
import { runOps, securityOnCall } from './ops-desk.js';
import { OPS_RULES, opsRunner } from './policy.js';
import { describeStep } from './report.js';
import { opsAgent } from './scripted-model.js';

const live = process.env.OPENAI_API_KEY !== undefined;
const model = live ? (process.env.OPENAI_MODEL ?? 'gpt-4.1-mini') : 'scripted-ops-agent';
const scripted = live ? undefined : await startScriptedModel({ respond: opsAgent });
const emulator = process.env.BIGHUB_URL ? undefined : await startBighubEmulator({ rules: OPS_RULES });
const client = new OpenAI({
  apiKey: process.env.OPENAI_API_KEY ?? 'scripted',
  baseURL: scripted?.baseURL ?? process.env.OPENAI_BASE_URL,
  timeout: 60_000,
  maxRetries: live ? 2 : 0,
});
const { runner, bighub, log } = opsRunner({
  bighubUrl: emulator?.url ?? String(process.env.BIGHUB_URL),
  bighubApiKey: process.env.BIGHUB_API_KEY,
});
console.log(
  `Ops agent. Model: ${live ? `live (${model})` : 'scripted'}. BIGHUB: ${emulator ? 'local emulator' : process.env.BIGHUB_URL}.`,
);
try {
  const steps = await runOps({ client, model, runner, reviewer: securityOnCall });
  for (const step of steps) console.log(describeStep(step));
  console.log(`What ran, in order (one production deploy at a time): ${log.join(' | ')}`);
  const first = emulator?.requestsTo('submit')[0]?.body as { action?: string; metadata?: Record<string, unknown> };
  if (first?.metadata) {
    const { system, risk, environment } = first.metadata;
    console.log(`BIGHUB saw ${first.action} with ${JSON.stringify({ system, risk, environment })}`);
  }
} catch (err) {
  console.error(`The ops agent stopped: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await bighub.flush();
  await scripted?.close();
  await emulator?.close();
}
