import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); never a downloaded browser. `CHROMIUM_PATH` overrides it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Whether browser tests should run: Chromium is installed, or `CI=true` (where a missing browser must fail the
 * run, not skip it: `launchChromium` then throws).
 */
export const CHROMIUM_AVAILABLE = existsSync(CHROMIUM_PATH) || process.env.CI === 'true';

/** Starts headless Chromium through playwright-core with the flags a shared, offline CI machine needs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
