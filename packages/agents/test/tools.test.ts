import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, harness, outputs } from './fixtures.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.model.close();
  h = undefined;
});

describe('gated function tools over the SDK and real HTTP', () => {
  it('runs allowed calls, and turns blocked and failing ones into outputs the model reads', async () => {
    h = await harness({
      turns: [
        {
          toolCalls: [
            { callId: 'call_bal', name: 'get_balance', arguments: { account: 'acc_1' } },
            { callId: 'call_del', name: 'delete_account', arguments: { account: 'acc_1' } },
            { callId: 'call_flaky', name: 'flaky', arguments: {} },
          ],
        },
        { text: 'Done.' },
      ],
    });
    const results: string[] = [];
    h.runner.onDecision((e) => {
      if (e.type === 'result' && !e.result.dryRun) results.push(`${e.result.tool}:${e.result.status}`);
    });
    const result = await h.sdk.run(h.agent, 'Check my balance and close my account.', { context: { user: 'u42' } });
    expect(result.finalOutput).toBe('Done.');
    expect(result.interruptions).toEqual([]);
    const sent = outputs(h.model.requests, 1);
    expect(sent.call_bal).toEqual({ account: 'acc_1', balance: '12.50', for: 'u42' });
    expect(sent.call_del).toMatchObject({
      status: 'blocked',
      reason: 'policy_denied',
      message: 'Deleting accounts is not allowed.',
    });
    expect(sent.call_flaky).toMatchObject({ status: 'tool_error', reason: 'tool_error' });
    expect(h.probe.count('delete_account')).toBe(0);
    expect(h.probe.count('get_balance')).toBe(1);
    expect(results.sort()).toEqual(['delete_account:blocked', 'flaky:tool_error', 'get_balance:executed']);
  });
});
