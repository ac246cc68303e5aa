import cliProgress from 'cli-progress';
import type { OutputStream } from './io.js';

/** Inputs shorter than this finish before a bar would be worth drawing. */
export const PROGRESS_MIN_ITEMS = 50;

/** Without a terminal, a progress line at most this often (ms), so a log shows the command is alive. */
export const PROGRESS_LINE_MS = 5_000;

/** Advances a progress display by one item; `stop` clears it. */
export interface Progress {
  /** One more item done. */
  tick(): void;
  /** Removes the display. */
  stop(): void;
}

const silent: Progress = { tick() {}, stop() {} };

/**
 * A cli-progress bar on `stream` when a person is watching (`isTTY`) and the input is long enough to wait for.
 * Without a terminal (CI logs, pipes), one line such as `replay: 250/586 episodes (6 s)` every
 * {@link PROGRESS_LINE_MS} while it runs, so a run that finishes sooner prints nothing.
 */
export function startProgress(stream: OutputStream, total: number, label: string, now = Date.now): Progress {
  if (total < PROGRESS_MIN_ITEMS) return silent;
  if (!stream.isTTY) return progressLines(stream, total, label, now);
  const bar = new cliProgress.SingleBar(
    {
      stream: stream as NodeJS.WritableStream,
      format: `${label} [{bar}] {value}/{total} episodes`,
      clearOnComplete: true,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    tick: () => bar.increment(),
    stop: () => bar.stop(),
  };
}

function progressLines(stream: OutputStream, total: number, label: string, now: () => number): Progress {
  const started = now();
  let last = started;
  let done = 0;
  return {
    tick() {
      done++;
      const at = now();
      if (at - last < PROGRESS_LINE_MS) return;
      last = at;
      stream.write(`${label}: ${done}/${total} episodes (${Math.round((at - started) / 1000)} s)\n`);
    },
    stop() {},
  };
}
