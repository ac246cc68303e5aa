import cliProgress from 'cli-progress';
import type { OutputStream } from './io.js';

/** Inputs shorter than this finish before a bar would be worth drawing. */
export const PROGRESS_MIN_ITEMS = 50;

/** Advances a progress display by one item; `stop` clears it. */
export interface Progress {
  /** One more item done. */
  tick(): void;
  /** Removes the display. */
  stop(): void;
}

const silent: Progress = { tick() {}, stop() {} };

/**
 * A cli-progress bar on `stream` when a person is watching (`isTTY`) and the input is long enough to wait for;
 * otherwise nothing is drawn, so piped and test output stay clean.
 */
export function startProgress(stream: OutputStream, total: number, label: string): Progress {
  if (!stream.isTTY || total < PROGRESS_MIN_ITEMS) return silent;
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
