// Throughput with 1, 16 and 256 calls in flight: workers that each await one call after another.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { deletePrefix } from '@tollgate/test-utils';
import {
  ARGS,
  budgetGate,
  CONTEXT,
  durableAuditGate,
  fileAuditGate,
  handler,
  memoryAuditGate,
  PARSED_ARGS,
  paymentRunner,
  rateGate,
  ruleGate,
} from '../fixtures.js';
import { countRoundTrips, type RoundTripCounter } from '../redis-count.js';
import { expectExecuted } from './overhead.js';
import { benchClient, redisRunners } from './redis.js';

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

/** A pipeline the throughput section drives, built alone in its own process. */
interface Pipeline {
  label: string;
  call: () => Promise<unknown>;
  /** Counts the Redis round trips of the pipeline's client, for Redis pipelines. */
  counter?: RoundTripCounter;
  close(): Promise<void>;
}

/** The throughput pipelines by id. */
export const THROUGHPUT_PIPELINES = [
  'bare',
  'full-memory',
  'full',
  'durable-intents',
  'durable-fsync',
  'redis',
  'redis-autopipelining',
] as const;

/** Builds one throughput pipeline; `dir` receives its JSONL file, `url` is the Redis of the Redis ones. */
export async function buildPipeline(
  id: (typeof THROUGHPUT_PIPELINES)[number],
  dir: string,
  url: string,
): Promise<Pipeline> {
  const nothing = async () => {};
  switch (id) {
    case 'bare':
      return { label: 'bare handler', call: async () => handler(PARSED_ARGS), close: nothing };
    case 'full-memory': {
      const memory = memoryAuditGate();
      const runner = paymentRunner([rateGate(), budgetGate(), ruleGate(), memory.gate]);
      return {
        label: 'full in-memory pipeline, audit to memory',
        call: async () => {
          expectExecuted(await runner.call('send_money', ARGS, CONTEXT));
          if (memory.sink.records.length > 10_000) memory.sink.records.length = 0;
        },
        close: nothing,
      };
    }
    case 'full': {
      const memory = memoryAuditGate();
      const file = fileAuditGate(join(dir, 'throughput.jsonl'));
      const runner = paymentRunner([rateGate(), budgetGate(), ruleGate(), memory.gate, file.gate]);
      return {
        label: 'full in-memory pipeline, audit to memory and a JSONL file',
        call: async () => {
          expectExecuted(await runner.call('send_money', ARGS, CONTEXT));
          if (memory.sink.records.length > 10_000) memory.sink.records.length = 0;
        },
        close: () => file.sink.close(),
      };
    }
    case 'durable-intents':
    case 'durable-fsync': {
      const intents = id === 'durable-intents';
      const durable = durableAuditGate(join(dir, `${id}.jsonl`), intents ? { intents: { maxLagMs: 20 } } : 'fsync');
      return {
        label: `full pipeline, fail-closed write-ahead audit to a JSONL file, flush ${intents ? '{ intents }' : "'fsync'"}`,
        call: async () => expectExecuted(await durable.runner.call('send_money', ARGS, CONTEXT)),
        close: () => durable.sink.close(),
      };
    }
    default: {
      // ioredis auto-pipelining sends the commands of calls in flight together: fewer round trips per call
      // under load, the same commands.
      const auto = id === 'redis-autopipelining';
      const client = benchClient(url, { enableAutoPipelining: auto });
      await client.connect();
      const prefix = `tollgate-bench:${randomUUID().slice(0, 8)}:`;
      const runner = redisRunners(client, prefix).pipeline;
      return {
        label: auto ? 'Redis-backed pipeline, ioredis enableAutoPipelining' : 'Redis-backed pipeline',
        call: async () => expectExecuted(await runner.call('send_money', ARGS, CONTEXT)),
        counter: countRoundTrips(client),
        close: async () => {
          await deletePrefix(client, prefix).catch(() => undefined);
          client.disconnect();
        },
      };
    }
  }
}

/** Drives one pipeline with 1, 16 and 256 calls in flight. */
export async function throughputLevels(pipeline: Pipeline, id: string, ms: number): Promise<ThroughputFigure[]> {
  const figures: ThroughputFigure[] = [];
  for (const inFlight of [1, 16, 256]) {
    pipeline.counter?.reset();
    const f = await throughput(`throughput.${id}.${inFlight}`, pipeline.label, pipeline.call, inFlight, ms);
    if (pipeline.counter) f.roundTrips = pipeline.counter.roundTrips / f.calls;
    figures.push(f);
  }
  return figures;
}
