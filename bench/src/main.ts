// `pnpm bench`: measures, writes bench/results/latest.json and the generated tables of docs/performance.md.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { connectTestRedis, deletePrefix, REDIS_URL } from '@tollgate/test-utils';
import { expectExecuted, overheadCases } from './cases/overhead.js';
import { benchClient, type RedisResult, redisCases, redisRunners } from './cases/redis.js';
import { budgetKeyScaling, gateScaling, rateKeyScaling, toolScaling } from './cases/scaling.js';
import { type ThroughputFigure, throughput } from './cases/throughput.js';
import {
  ARGS,
  budgetGate,
  CONTEXT,
  fileAuditGate,
  handler,
  memoryAuditGate,
  PARSED_ARGS,
  paymentRunner,
  rateGate,
  ruleGate,
} from './fixtures.js';
import { describeMachine, finishMachine } from './machine.js';
import { type MeasureOptions, relativeTo } from './measure.js';
import { countRoundTrips, type RoundTripCounter } from './redis-count.js';
import { updateDoc } from './report.js';
import type { BenchResults, TargetCheck } from './results.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const started = performance.now();
const log = (line: string) =>
  console.log(`[${((performance.now() - started) / 1e3).toFixed(0).padStart(3)} s] ${line}`);

// Heap figures need a full collection; `pnpm bench` runs without --expose-gc, so switch it on here.
setFlagsFromString('--expose-gc');
const gc = (globalThis.gc ?? runInNewContext('gc')) as () => void;

const options: MeasureOptions = {
  timeMs: Number(process.env.BENCH_TIME_MS ?? 400),
  warmupMs: Number(process.env.BENCH_WARMUP_MS ?? 150),
};
const throughputMs = Number(process.env.BENCH_THROUGHPUT_MS ?? 1_000);
const machine = describeMachine();
log(`${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load ${machine.loadAverage.start}`);

const dir = await mkdtemp(join(tmpdir(), 'tollgate-bench-'));
try {
  log('per-call overhead');
  const overhead = await overheadCases(dir, options);
  const bare = overhead.bare;

  const redisClient = await connectTestRedis(REDIS_URL).catch(() => undefined);
  let redis: RedisResult | { skipped: string };
  if (redisClient) {
    redisClient.disconnect();
    log(`Redis at ${REDIS_URL}`);
    redis = await redisCases(REDIS_URL, options);
    relativeTo(bare, redis.figures);
  } else {
    redis = { skipped: `no Redis answers at ${REDIS_URL} (set REDIS_URL); the Redis cases were not run.` };
    log(`SKIPPED the Redis cases: ${redis.skipped}`);
  }

  log('throughput');
  const throughputFigures = await throughputSection(dir, redis);

  log('scaling: tools, gates');
  const tools = await toolScaling(bare, [10, 100, 1_000, 10_000], options);
  const gates = await gateScaling(bare, [1, 2, 4, 8], options);
  log('scaling: actor keys (rate)');
  const checkpoints = [1, 1_000, 10_000, 100_000, 1_000_000];
  const rateKeys = await rateKeyScaling(checkpoints, gc);
  log('scaling: actor keys (budget)');
  const budgetKeys = await budgetKeyScaling(checkpoints, gc);

  finishMachine(machine);
  const results: BenchResults = {
    date: new Date().toISOString(),
    command: 'pnpm bench',
    code: 'source',
    machine,
    options,
    overhead,
    redis,
    throughput: throughputFigures,
    scaling: { tools, gates, keys: [rateKeys, budgetKeys] },
    targets: [],
    durationSec: (performance.now() - started) / 1e3,
  };
  results.targets = checkTargets(results);
  await mkdir(join(root, 'bench/results'), { recursive: true });
  await writeFile(join(root, 'bench/results/latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  await updateDoc(join(root, 'docs/performance.md'), results);
  for (const t of results.targets) log(`${t.met ? 'MET   ' : 'MISSED'} ${t.target}: ${t.measured}`);
  log('wrote bench/results/latest.json and docs/performance.md');
} finally {
  await rm(dir, { recursive: true, force: true });
}

async function throughputSection(dir: string, redis: RedisResult | { skipped: string }): Promise<ThroughputFigure[]> {
  const memory = memoryAuditGate();
  const file = fileAuditGate(join(dir, 'throughput.jsonl'));
  const fullMemory = paymentRunner([rateGate(), budgetGate(), ruleGate(), memory.gate]);
  const full = paymentRunner([rateGate(), budgetGate(), ruleGate(), memoryAuditGate('audit-2').gate, file.gate]);
  const pipelines: { id: string; label: string; call: () => Promise<unknown> }[] = [
    { id: 'bare', label: 'bare handler', call: async () => handler(PARSED_ARGS) },
    {
      id: 'full-memory',
      label: 'full in-memory pipeline, audit to memory',
      call: async () => {
        expectExecuted(await fullMemory.call('send_money', ARGS, CONTEXT));
        if (memory.sink.records.length > 10_000) memory.sink.records.length = 0;
      },
    },
    {
      id: 'full',
      label: 'full in-memory pipeline, audit to memory and a JSONL file',
      call: async () => expectExecuted(await full.call('send_money', ARGS, CONTEXT)),
    },
  ];
  const prefix = `tollgate-bench:tp:${Date.now()}:`;
  // The same pipeline on a default client and on one with ioredis auto-pipelining, which sends the commands
  // of calls in flight together: fewer round trips per call under load, the same commands.
  const clients =
    'skipped' in redis ? [] : [benchClient(REDIS_URL), benchClient(REDIS_URL, { enableAutoPipelining: true })];
  const counters = new Map<string, RoundTripCounter>();
  for (const [i, client] of clients.entries()) {
    await client.connect();
    const id = i === 0 ? 'redis' : 'redis-autopipelining';
    counters.set(id, countRoundTrips(client));
    const runner = redisRunners(client, prefix).pipeline;
    pipelines.push({
      id,
      label: i === 0 ? 'Redis-backed pipeline' : 'Redis-backed pipeline, ioredis enableAutoPipelining',
      call: async () => expectExecuted(await runner.call('send_money', ARGS, CONTEXT)),
    });
  }
  const figures: ThroughputFigure[] = [];
  try {
    for (const p of pipelines) {
      for (const inFlight of [1, 16, 256]) {
        const counter = counters.get(p.id);
        counter?.reset();
        const f = await throughput(`throughput.${p.id}.${inFlight}`, p.label, p.call, inFlight, throughputMs);
        if (counter) f.roundTrips = counter.roundTrips / f.calls;
        const bare = figures.find((b) => b.id === `throughput.bare.${inFlight}`);
        if (bare && p.id !== 'bare') f.ratioToBare = bare.callsPerSec / f.callsPerSec;
        figures.push(f);
        memory.sink.records.length = 0;
      }
    }
  } finally {
    await file.sink.close();
    if (clients[0]) await deletePrefix(clients[0], prefix).catch(() => undefined);
    for (const client of clients) client.disconnect();
  }
  return figures;
}

function checkTargets(r: BenchResults): TargetCheck[] {
  const full = r.overhead.figures.find((f) => f.id === 'overhead.full')!;
  const fullMemory = r.overhead.figures.find((f) => f.id === 'overhead.full-memory')!;
  const checks: TargetCheck[] = [
    {
      target: 'full in-memory pipeline (audit to memory and a JSONL file) ≤ 10 µs median overhead per call',
      measured: `${full.overheadUs!.toFixed(1)} µs`,
      met: full.overheadUs! <= 10,
    },
    {
      target: 'full in-memory pipeline, audit to memory only, ≤ 10 µs median overhead per call',
      measured: `${fullMemory.overheadUs!.toFixed(1)} µs`,
      met: fullMemory.overheadUs! <= 10,
    },
  ];
  if ('skipped' in r.redis) {
    checks.push({ target: 'Redis-backed pipeline targets', measured: `not measured: ${r.redis.skipped}`, met: false });
    return checks;
  }
  const pipeline = r.redis.figures.find((f) => f.id === 'redis.pipeline')!;
  checks.push(
    {
      target: 'Redis-backed pipeline ≤ 2 round trips per call',
      measured: `${pipeline.roundTrips!.toFixed(2)} round trips`,
      met: pipeline.roundTrips! <= 2,
    },
    {
      target: 'Redis-backed pipeline median ≤ 2.5× the PING round trip',
      measured: `${pipeline.ratioToPing!.toFixed(2)}× (${pipeline.medianUs.toFixed(0)} µs vs PING ${r.redis.ping.medianUs.toFixed(0)} µs)`,
      met: pipeline.ratioToPing! <= 2.5,
    },
  );
  return checks;
}
