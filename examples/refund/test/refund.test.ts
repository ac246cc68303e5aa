import type { OnApprovalRequired } from '@tollgate/openai';
import { startScriptedModel } from '@tollgate/openai/server';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onCallLead, runRefundDesk } from '../src/desk.js';
import { refundRunner } from '../src/policy.js';
import { describeStep } from '../src/report.js';
import { refundAgent } from '../src/scripted-model.js';

let model: Awaited<ReturnType<typeof startScriptedModel>>;
let client: OpenAI;
const noon = { now: () => Date.UTC(2026, 0, 15, 12) };

beforeAll(async () => {
  model = await startScriptedModel({ respond: refundAgent });
  client = new OpenAI({ apiKey: 'scripted', baseURL: model.baseURL, maxRetries: 0 });
});
afterAll(() => model.close());

function desk(reviewer: OnApprovalRequired) {
  const { runner, refunds } = refundRunner({ clock: noon });
  return runRefundDesk({ client, model: 'scripted', runner, reviewer }).then((steps) => ({ steps, refunds }));
}

const statuses = (steps: { results: { status: string; reason: string }[] }[]) =>
  steps.map((s) => s.results.map((r) => `${r.status}:${r.reason}`));

describe('the refund desk with the scripted model', () => {
  it('executes a small refund, asks approval for a large one, and refuses what exceeds the daily budget', async () => {
    const { steps, refunds } = await desk(onCallLead);
    expect(statuses(steps)).toEqual([
      ['executed:executed'],
      ['approval_required:refund_needs_approval', 'executed:executed'],
      ['blocked:budget_exceeded'],
      ['executed:executed'],
    ]);
    expect(steps[1]!.approvals).toMatchObject([{ approve: true, by: 'on-call-lead@example.com' }]);
    expect(refunds.map((r) => [r.order_id, r.amount])).toEqual([
      ['ord_123', 199.99],
      ['ord_456', 450],
      ['ord_321', 120],
    ]);
    expect(steps[2]!.results[0]!.message).toContain('remaining 350.01 of 1000.00');
    expect(steps[2]!.reply).toContain('not made');
    expect(describeStep(steps[1]!)).toContain('on-call-lead@example.com approved');
  });

  it('never pays a denied refund, and the budget it did not use stays available', async () => {
    const { steps, refunds } = await desk(() => ({ approve: false, by: 'lead@example.com' }));
    expect(statuses(steps)).toEqual([
      ['executed:executed'],
      ['approval_required:refund_needs_approval', 'blocked:approval_denied'],
      ['approval_required:refund_needs_approval', 'blocked:approval_denied'],
      ['executed:executed'],
    ]);
    expect(refunds.map((r) => r.order_id)).toEqual(['ord_123', 'ord_321']);
  });
});
