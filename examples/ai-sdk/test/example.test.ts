import { afterEach, describe, expect, it } from 'vitest';
import { runExample } from '../src/agent.js';
import { startExampleModel } from '../src/model.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => close?.());

describe('the AI SDK example', () => {
  it('pays the small amount at once, and the large one once a human approved it', async () => {
    const model = await startExampleModel();
    close = model.close;
    const run = await runExample(model.baseURL, () => true);
    expect(run.asked).toEqual([{ tool: 'send_money', input: { to: 'landlord', amount: 900 } }]);
    expect(run.payments).toEqual([
      { to: 'plumber', amount: 40 },
      { to: 'landlord', amount: 900 },
    ]);
    expect(run.text).toBe('Done: sent 40 to plumber; sent 900 to landlord.');
  });

  it('pays nothing large when the human says no', async () => {
    const model = await startExampleModel();
    close = model.close;
    const run = await runExample(model.baseURL, () => false);
    expect(run.payments).toEqual([{ to: 'plumber', amount: 40 }]);
    expect(run.text).toMatch(/^Done: sent 40 to plumber; /);
  });
});
