import { afterAll, afterEach, beforeAll } from 'vitest';
import { type BighubEmulator, type EmulatorOptions, startBighubEmulator } from '../src/emulator/index.js';
import { BighubClient, type BighubClientOptions } from '../src/index.js';

/** The emulator's own key in these suites. */
export const ROOT_KEY = 'bhk_root';

/**
 * Starts one emulator for the file (with `ROOT_KEY` required) and resets its rules after each test. `client()` makes
 * a client on it that never sleeps between retries.
 */
export function withEmulator(options: EmulatorOptions = {}) {
  const ctx = { emulator: undefined as unknown as BighubEmulator };
  beforeAll(async () => {
    ctx.emulator = await startBighubEmulator({ apiKey: ROOT_KEY, ...options });
  });
  afterAll(() => ctx.emulator.close());
  afterEach(async () => {
    await ctx.emulator.idle();
    ctx.emulator.setRules({});
  });
  const client = (extra: BighubClientOptions = {}) =>
    new BighubClient({ baseUrl: ctx.emulator.url, apiKey: ROOT_KEY, sleep: async () => {}, ...extra });
  return {
    get emulator() {
      return ctx.emulator;
    },
    client,
  };
}
