import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium; never a downloaded browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether the browser tests can run here; under CI=true a missing Chromium is a failure, not a skip. */
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM && process.env.CI)
  throw new Error(`Chromium is missing at ${CHROMIUM}: apt-get install -y chromium`);

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
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

/** Where screenshots go: docs/console/, only with TOLLGATE_SCREENSHOTS=1 (so CI leaves the tree clean). */
export const SCREENSHOTS =
  process.env.TOLLGATE_SCREENSHOTS === '1' ? new URL('../../../docs/console/', import.meta.url) : undefined;
