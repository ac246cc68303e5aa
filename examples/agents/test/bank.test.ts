import { startScriptedModel } from '@tollgate/openai/server';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bankDemo } from '../src/bank.js';
import { paymentsModel } from '../src/scripted-model.js';

let model: Awaited<ReturnType<typeof startScriptedModel>>;
beforeAll(async () => {
  model = await startScriptedModel({ respond: paymentsModel });
});
afterAll(() => model.close());

describe('the payments agent example', () => {
  it('refuses the client’s own approval, a raised amount and a replay; pays the reviewed amount once', async () => {
    const client = new OpenAI({ apiKey: 'scripted', baseURL: model.baseURL, maxRetries: 0 });
    const { steps, paid } = await bankDemo(client, { model: 'scripted' });
    expect(steps[0]!.what).toMatch(/^paused: send_money waits for apr_.+ \(large_payment\)$/);
    const reason = (text: string) => (JSON.parse(text) as { reason: string }).reason;
    expect(reason(steps[1]!.outcome)).toBe('approval_pending');
    expect(reason(steps[2]!.outcome)).toBe('approval_args_changed');
    expect(steps[3]!.outcome).toContain('"receipt":"tx_1"');
    expect(reason(steps[4]!.outcome)).toBe('approval_consumed');
    expect(paid).toEqual([{ to: 'GB29NWBK60161331926819', amount: 1200 }]);
  });
});
