// node --conditions=@tollgate/source --import tsx examples/refund/src/main.ts
// Scripted model by default; set OPENAI_API_KEY (and OPENAI_BASE_URL, OPENAI_MODEL) to use a live one.
import { startScriptedModel } from '@tollgate/openai/server';
import OpenAI from 'openai';
import { onCallLead, runRefundDesk } from './desk.js';
import { REFUND_DEFAULTS, refundRunner } from './policy.js';
import { describeStep } from './report.js';
import { refundAgent } from './scripted-model.js';

const live = process.env.OPENAI_API_KEY !== undefined;
const scripted = live ? undefined : await startScriptedModel({ respond: refundAgent });
const client = new OpenAI({
  apiKey: process.env.OPENAI_API_KEY ?? 'scripted',
  baseURL: scripted?.baseURL ?? process.env.OPENAI_BASE_URL,
  timeout: 60_000,
  maxRetries: live ? 2 : 0,
});
const { runner } = refundRunner();
console.log(
  `Refund desk: approval above ${REFUND_DEFAULTS.approvalThreshold}, daily budget ${REFUND_DEFAULTS.dailyBudget}; ` +
    `model: ${live ? `live (${process.env.OPENAI_MODEL ?? 'gpt-4.1-mini'})` : 'scripted (set OPENAI_API_KEY for a live one)'}`,
);
try {
  const steps = await runRefundDesk({
    client,
    model: live ? (process.env.OPENAI_MODEL ?? 'gpt-4.1-mini') : 'scripted-refund-agent',
    runner,
    reviewer: onCallLead,
  });
  for (const step of steps) console.log(describeStep(step));
} catch (err) {
  console.error(`The refund desk stopped: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await scripted?.close();
}
