// Per-call latency with tinybench: one call per sample, so the median and p99 are per call.
import { Bench, hrtimeNowTimestampProvider } from 'tinybench';

/** One measured figure; every time is µs per call. */
export interface Figure {
  /** Stable id, e.g. `overhead.full-memory`. */
  id: string;
  /** What was measured, for the table. */
  label: string;
  /** Median latency of one call, µs. */
  medianUs: number;
  /** 99th percentile latency of one call, µs. */
  p99Us: number;
  /** Calls per second, one at a time (1e6 / mean µs). */
  opsPerSec: number;
  /** Samples (calls) the statistics come from. */
  samples: number;
  /** Lowest and highest median over the passes of the run (`pnpm bench` keeps the lowest), µs. */
  medianRangeUs?: [number, number];
  /** Median minus the bare handler's median: what tollgate adds to one call, µs. */
  overheadUs?: number;
  /** Median divided by the bare handler's median. */
  ratioToBare?: number;
  /** Median divided by the median Redis PING round trip measured right before it, in the same process. */
  ratioToPing?: number;
  /** That PING round trip's median, µs. */
  pingUs?: number;
  /** The median of the reference case measured right before this one in the same process, µs. */
  referenceUs?: number;
  /** Redis round trips per call, counted from the client's command stream. */
  roundTrips?: number;
  /** Anything a reader needs to read the figure right. */
  note?: string;
}

/** A call to measure. */
export interface CallCase {
  id: string;
  label: string;
  /** One call; a rejected promise or a throw fails the run (every measured call must do the full work). */
  fn: () => unknown;
  /** Runs after each phase (warm-up, run), e.g. to empty a memory sink. */
  afterAll?: () => void | Promise<void>;
  note?: string;
}

/** How long each case runs. */
export interface MeasureOptions {
  /** Measuring time per case, ms. */
  timeMs: number;
  /** Warm-up time per case, ms (lets V8 optimise the path first). */
  warmupMs: number;
  /**
   * Rounds over all the cases; each case keeps its round with the lowest median. Other work on a shared machine
   * only ever adds time, so the least disturbed round is the closest to what tollgate costs.
   */
  rounds: number;
}

/** Runs the cases one after another, `rounds` times over, and returns a figure per case, in order. */
export async function measure(cases: readonly CallCase[], options: MeasureOptions): Promise<Figure[]> {
  const best = new Map<string, Figure>();
  for (let round = 0; round < options.rounds; round++) {
    for (const figure of await measureOnce(cases, options)) {
      const previous = best.get(figure.id);
      if (!previous || figure.medianUs < previous.medianUs) best.set(figure.id, figure);
    }
  }
  return cases.map((c) => best.get(c.id)!);
}

async function measureOnce(cases: readonly CallCase[], options: MeasureOptions): Promise<Figure[]> {
  const bench = new Bench({
    time: options.timeMs,
    warmupTime: options.warmupMs,
    throws: true,
    timestampProvider: hrtimeNowTimestampProvider,
  });
  for (const c of cases) {
    bench.add(c.id, c.fn, c.afterAll ? { afterAll: c.afterAll } : {});
  }
  await bench.run();
  return cases.map((c) => {
    const result = bench.getTask(c.id)?.result;
    if (!result || !('latency' in result)) throw new Error(`${c.id}: no result (${result?.state})`);
    const figure: Figure = {
      id: c.id,
      label: c.label,
      medianUs: result.latency.p50 * 1e3,
      p99Us: result.latency.p99 * 1e3,
      opsPerSec: 1e3 / result.latency.mean,
      samples: result.latency.samplesCount,
    };
    if (c.note) figure.note = c.note;
    return figure;
  });
}

/** Adds overhead and ratio to the bare handler's figure. */
export function relativeTo(bare: Figure, figures: Figure[]): Figure[] {
  for (const f of figures) {
    f.overheadUs = f.medianUs - bare.medianUs;
    f.ratioToBare = f.medianUs / bare.medianUs;
  }
  return figures;
}
