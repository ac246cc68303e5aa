// Throughput with 1, 16 and 256 calls in flight: workers that each await one call after another.
import { performance } from 'node:perf_hooks';

/** One throughput run. */
export interface ThroughputFigure {
  id: string;
  label: string;
  inFlight: number;
  /** Calls completed per second, all workers together. */
  callsPerSec: number;
  /** Median latency of one call under this load, µs (queueing included). */
  medianUs: number;
  /** 99th percentile latency under this load, µs. */
  p99Us: number;
  calls: number;
  /** The bare handler's throughput at the same number in flight divided by this one's. */
  ratioToBare?: number;
  /** Redis round trips per call at this load, when the pipeline uses Redis. */
  roundTrips?: number;
}

/** Runs `inFlight` workers for `ms`, each looping `call`; latencies are kept for the percentiles. */
export async function throughput(
  id: string,
  label: string,
  call: () => Promise<unknown>,
  inFlight: number,
  ms: number,
): Promise<ThroughputFigure> {
  const latencies: number[] = [];
  const start = performance.now();
  const end = start + ms;
  const worker = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      await call();
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const elapsed = performance.now() - start;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! * 1e3;
  return {
    id,
    label,
    inFlight,
    callsPerSec: (latencies.length * 1e3) / elapsed,
    medianUs: at(0.5),
    p99Us: at(0.99),
    calls: latencies.length,
  };
}
