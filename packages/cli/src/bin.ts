#!/usr/bin/env node
import { ExitCode } from './io.js';
import { main } from './main.js';

// The first Ctrl-C asks the running command to stop (the emulator closes, replay prints what it has);
// a second one exits at once.
const controller = new AbortController();
let interrupts = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (++interrupts > 1) process.exit(ExitCode.interrupted);
    controller.abort();
  });
}

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
});
