import { type BighubEmulator, startBighubEmulator } from '@tollgate/bighub/emulator';
import { type ScriptedModel, startScriptedModel } from '@tollgate/openai/server';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpsStep, outcomesOf, runOps, securityOnCall } from '../src/ops-desk.js';
import { OPS_RULES, type OpsRunner, opsRunner } from '../src/policy.js';
import { describeStep } from '../src/report.js';
import { opsAgent } from '../src/scripted-model.js';

let emulator: BighubEmulator;
let model: ScriptedModel;
let ops: OpsRunner;
let steps: OpsStep[];

beforeAll(async () => {
  emulator = await startBighubEmulator({ rules: OPS_RULES });
  model = await startScriptedModel({ respond: opsAgent });
  ops = opsRunner({ bighubUrl: emulator.url, deployMs: 50 });
  const client = new OpenAI({ apiKey: 'scripted', baseURL: model.baseURL, maxRetries: 0 });
  steps = await runOps({ client, model: 'scripted', runner: ops.runner, reviewer: securityOnCall });
  await ops.bighub.flush();
});

afterAll(async () => {
  await model.close();
  await emulator.close();
});

describe('the ops agent with the scripted model and the BIGHUB emulator', () => {
  it('sends a long grant to review, where the stand-in denies it, and never runs it', () => {
    expect(outcomesOf(steps[0]!)).toEqual([
      'grant_access:approval_required:bighub_review',
      'grant_access:blocked:approval_denied',
    ]);
    expect(steps[0]!.approvals).toMatchObject([{ approve: false, by: 'security-oncall@example.com' }]);
    const [approval] = [...emulator.state.approvals.values()];
    expect(approval).toMatchObject({ action: 'okta_grant_access', value: 48, status: 'denied' });
    expect(describeStep(steps[0]!)).toContain('Better action: Reduce the value to at most 8');
  });

  it('runs a short grant, and blocks one above BIGHUB maximum', () => {
    expect(outcomesOf(steps[1]!)).toEqual(['grant_access:executed:executed']);
    expect(outcomesOf(steps[2]!)).toEqual(['grant_access:blocked:bighub_blocked']);
    expect(ops.log.filter((l) => l.startsWith('grant'))).toEqual(['grant alice okta-admins 8h']);
  });

  it('asks for the change ticket, then runs both production deploys one at a time', () => {
    expect(outcomesOf(steps[3]!)).toEqual([
      'deploy:blocked:bighub_needs_context',
      'deploy:blocked:bighub_needs_context',
      'deploy:executed:executed',
      'deploy:executed:executed',
    ]);
    const deploys = ops.log.filter((l) => !l.startsWith('grant'));
    expect(deploys).toHaveLength(4);
    // Each start is followed by its own end: the two deploys never overlapped.
    for (let i = 0; i < deploys.length; i += 2) {
      expect(deploys[i]!.replace('start', 'end')).toBe(deploys[i + 1]);
    }
  });

  it('gives BIGHUB each action with its system, risk and environment metadata', () => {
    const sent = emulator.state.actions.map((a) => [
      a.action.action,
      a.action.context.system,
      a.action.context.risk,
      a.action.context.environment,
    ]);
    expect(sent).toContainEqual(['okta_grant_access', 'okta', 'high', 'production']);
    expect(sent).toContainEqual(['deploy', 'argocd', 'high', 'production']);
    expect(emulator.state.actions.filter((a) => a.action.action === 'deploy' && a.kind === 'allow')).toHaveLength(2);
  });
});
