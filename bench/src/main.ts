// `pnpm bench`: measures every case in a process of its own (see child.ts), then writes
// bench/results/latest.json and the generated tables of docs/performance.md.
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REDIS_URL } from '@tollgate/test-utils';
import { auditResults, auditTargets } from './audit-results.js';
import type { PostgresResult } from './cases/postgres.js';
import { benchClient, countRedisRoundTrips, type RedisResult } from './cases/redis.js';
import { serverTimes } from './cases/redis-server-time.js';
import type { KeyScaling } from './cases/scaling.js';
import { THROUGHPUT_PIPELINES, type ThroughputFigure } from './cases/throughput.js';
import type { ChildJob, Section } from './child.js';
import { describeMachine, finishMachine } from './machine.js';
import { type Figure, type MeasureOptions, relativeTo } from './measure.js';
import { updateDoc } from './report.js';
import type { BenchResults, TargetCheck } from './results.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// Run from bench/dist (tsc's output) unless run as TypeScript through tsx; the figures in docs/performance.md
// are from compiled code, since tsx's transform adds a helper call to every named function (see the doc).
const compiled = !import.meta.url.endsWith('.ts');
const COMPILED_COMMAND = 'pnpm exec tsc -b bench && node bench/dist/main.js';
const childPath = fileURLToPath(new URL(`child${extname(fileURLToPath(import.meta.url))}`, import.meta.url));
const started = performance.now();
let lastLine = started;
const log = (line: string) => {
  lastLine = performance.now();
  console.log(`[${((lastLine - started) / 1e3).toFixed(0).padStart(3)} s] ${line}`);
};
/** Inside a long step, a line at most every 5 s, so a log (or a CI job) shows the run is alive. */
const progress = (line: string) => {
  if (performance.now() - lastLine >= 5_000) log(line);
};

const options: MeasureOptions = {
  timeMs: Number(process.env.BENCH_TIME_MS ?? 200),
  warmupMs: Number(process.env.BENCH_WARMUP_MS ?? 100),
  rounds: Number(process.env.BENCH_ROUNDS ?? 3),
};
const throughputMs = Number(process.env.BENCH_THROUGHPUT_MS ?? 1_000);
const machine = describeMachine();
log(`${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load ${machine.loadAverage.start}`);

/** Runs one job in a child process with this process's flags (tsx when run from source) and --expose-gc. */
function inChild<T>(job: ChildJob | { kind: 'list'; section: string }): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, '--expose-gc', childPath, JSON.stringify(job)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const last = out.trim().split('\n').at(-1);
      if (code !== 0 || !last) reject(new Error(`bench child ${JSON.stringify(job)} exited ${code}`));
      else resolve(JSON.parse(last) as T);
    });
  });
}

/**
 * Measures every case of a section: `options.rounds` passes over all its cases, each case in a fresh child per
 * pass, keeping for each case its pass with the lowest median and the range of the medians. Other work on a
 * shared machine only ever adds time, and passes spread over the run are unlikely to all meet the same burst.
 */
async function section(name: Section, rounds = options.rounds): Promise<Figure[]> {
  const ids = await inChild<string[]>({ kind: 'list', section: name });
  const passes = new Map<string, Figure[]>(ids.map((id) => [id, []]));
  for (let pass = 0; pass < rounds; pass++) {
    for (const [i, id] of ids.entries()) {
      progress(`  ${name}: pass ${pass + 1} of ${rounds}, case ${i + 1} of ${ids.length}`);
      passes
        .get(id)!
        .push(await inChild<Figure>({ kind: 'call', section: name, id, options: { ...options, rounds: 1 } }));
    }
  }
  return ids.map((id) => {
    const figures = passes.get(id)!;
    const best = figures.reduce((a, b) => (b.medianUs < a.medianUs ? b : a));
    const medians = figures.map((f) => f.medianUs);
    return { ...best, medianRangeUs: [Math.min(...medians), Math.max(...medians)] };
  });
}

log('per-call overhead');
const [bare, ...perCall] = await section('overhead');
const throttle = perCall.filter((f) => f.id === 'overhead.throttle');
const overhead = {
  bare: bare!,
  figures: relativeTo(
    bare!,
    perCall.filter((f) => f.id !== 'overhead.throttle'),
  ),
  throttle: relativeTo(bare!, throttle),
};

let redis: RedisResult | { skipped: string };
const reason = await redisMissing(REDIS_URL);
if (reason === undefined) {
  log(`Redis at ${REDIS_URL}`);
  const [ping, ...figures] = await section('redis');
  const roundTrips = await countRedisRoundTrips(REDIS_URL);
  for (const f of relativeTo(bare!, figures)) f.roundTrips = roundTrips.find((r) => r.id === f.id)?.critical;
  const serverSide = await serverTimes(500).catch((err: unknown) => ({ skipped: String(err) }));
  redis = { url: REDIS_URL, ping: ping!, figures, roundTrips, serverSide };
} else {
  redis = { skipped: `no Redis answers at ${REDIS_URL} (${reason}); set REDIS_URL. The Redis cases were not run.` };
  log(`SKIPPED the Redis cases: ${redis.skipped}`);
}

log('throughput');
const throughput: ThroughputFigure[] = [];
for (const [i, id] of THROUGHPUT_PIPELINES.entries()) {
  if (id.startsWith('redis') && 'skipped' in redis) continue;
  progress(`  throughput: pipeline ${i + 1} of ${THROUGHPUT_PIPELINES.length}`);
  throughput.push(...(await inChild<ThroughputFigure[]>({ kind: 'throughput', id, ms: throughputMs })));
}
for (const f of throughput) {
  const base = throughput.find((b) => b.id === `throughput.bare.${f.inFlight}`);
  if (base && base !== f) f.ratioToBare = base.callsPerSec / f.callsPerSec;
}

const postgresUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
log(`PostgreSQL audit sink at ${postgresUrl}`);
const postgres = await inChild<PostgresResult>({ kind: 'postgres', url: postgresUrl, ms: throughputMs }).catch(
  (err: unknown) => {
    const skipped = `the PostgreSQL section failed (${String(err)}); is PostgreSQL answering at ${postgresUrl}? Set DATABASE_URL.`;
    log(`SKIPPED ${skipped}`);
    return { skipped };
  },
);

log('scaling: tools, gates');
// Two passes for the scaling sections, which compare cases with each other, to keep the run near 2.5 minutes.
const tools = relativeTo(bare!, await section('tools', Math.min(2, options.rounds)));
const gates = relativeTo(bare!, await section('gates', Math.min(2, options.rounds)));
log('audit: decisions, arguments, durable calls');
const audit = auditResults(
  await auditSection('audit-decisions'),
  await auditSection('audit-args'),
  await section('audit-durable'),
);
log('scaling: actor keys');
const checkpoints = [1, 1_000, 10_000, 100_000, 1_000_000];
const keys = [
  await inChild<KeyScaling>({ kind: 'keys', id: 'rate', checkpoints }),
  await inChild<KeyScaling>({ kind: 'keys', id: 'budget', checkpoints }),
];

log('provenance: a 200-message run with 1 MB of tool output');
const provenance = await section('provenance');

finishMachine(machine);
const results: BenchResults = {
  date: new Date().toISOString(),
  command: compiled ? COMPILED_COMMAND : 'pnpm bench',
  code: compiled ? 'compiled' : 'source',
  machine,
  options,
  overhead,
  redis,
  throughput,
  scaling: { tools, gates, keys },
  provenance,
  audit,
  postgres,
  targets: [],
  durationSec: (performance.now() - started) / 1e3,
};
results.targets = checkTargets(results);
await mkdir(join(root, 'bench/results'), { recursive: true });
await writeFile(join(root, 'bench/results/latest.json'), `${JSON.stringify(results, null, 2)}\n`);
await updateDoc(join(root, 'docs/performance.md'), results);
for (const t of results.targets) log(`${t.met ? 'MET   ' : 'MISSED'} ${t.target}: ${t.measured}`);
log('wrote bench/results/latest.json and docs/performance.md');

/**
 * An audit table's cases: each call case (with / without audit) in a process of its own as in `section`, the
 * floors (pure serialize-and-hash functions) together in one process per pass; two passes, lowest median kept.
 */
async function auditSection(name: Section): Promise<Figure[]> {
  const ids = await inChild<string[]>({ kind: 'list', section: name });
  const floors = ids.filter((id) => id.endsWith('.floor'));
  const calls = ids.filter((id) => !floors.includes(id));
  const best = new Map<string, Figure[]>(ids.map((id) => [id, []]));
  for (let pass = 0; pass < Math.min(2, options.rounds); pass++) {
    const one = { ...options, rounds: 1 };
    for (const id of calls)
      best.get(id)!.push(await inChild<Figure>({ kind: 'call', section: name, id, options: one }));
    for (const f of await inChild<Figure[]>({ kind: 'calls', section: name, ids: floors, options: one })) {
      best.get(f.id)!.push(f);
    }
  }
  return ids.map((id) => {
    const figures = best.get(id)!;
    const medians = figures.map((f) => f.medianUs);
    const lowest = figures.reduce((a, b) => (b.medianUs < a.medianUs ? b : a));
    return { ...lowest, medianRangeUs: [Math.min(...medians), Math.max(...medians)] };
  });
}

/** Why Redis at `url` cannot be used, or undefined when it answers PING. */
async function redisMissing(url: string): Promise<string | undefined> {
  const probe = benchClient(url);
  try {
    await probe.connect();
    await probe.ping();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    probe.disconnect();
  }
}

function checkTargets(r: BenchResults): TargetCheck[] {
  const full = r.overhead.figures.find((f) => f.id === 'overhead.full')!;
  const fullMemory = r.overhead.figures.find((f) => f.id === 'overhead.full-memory')!;
  const pipelineFloor = r.overhead.figures.find((f) => f.id === 'overhead.floor')!;
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
  const floor = r.provenance.find((f) => f.id === 'provenance.floor-rescan')!;
  const slowest = r.provenance
    .filter((f) => f.id.startsWith('provenance.find-'))
    .reduce((a, b) => (b.medianUs > a.medianUs ? b : a));
  checks.push({
    target: 'provenance: every query on a 200-message, 1 MB run ≤ 1/10 of one rescan of the run',
    measured: `slowest ${slowest.medianUs.toFixed(1)} µs (${slowest.label}) vs rescan ${floor.medianUs.toFixed(0)} µs`,
    met: slowest.medianUs * 10 <= floor.medianUs,
  });
  checks.push(...auditTargets(r.audit, { fullMemory, floor: pipelineFloor }, r.throughput));
  if ('skipped' in r.redis) {
    checks.push({ target: 'Redis-backed pipeline targets', measured: `not measured: ${r.redis.skipped}`, met: false });
    return checks;
  }
  const rateBudget = r.redis.figures.find((f) => f.id === 'redis.rate-budget')!;
  const pipeline = r.redis.figures.find((f) => f.id === 'redis.pipeline')!;
  const ratio = (f: Figure) =>
    `${f.ratioToPing!.toFixed(2)}× (${f.medianUs.toFixed(0)} µs vs PING ${f.pingUs!.toFixed(0)} µs)`;
  checks.push(
    {
      target: 'executed call with rate + budget on Redis: 1 round trip on its critical path',
      measured: `${rateBudget.roundTrips!.toFixed(2)} round trips (full pipeline: ${pipeline.roundTrips!.toFixed(2)})`,
      met: rateBudget.roundTrips! <= 1 && pipeline.roundTrips! <= 1,
    },
    {
      target: 'executed call with rate + budget on Redis: median ≤ 1.5× a PING round trip (same process)',
      measured: ratio(rateBudget),
      met: rateBudget.ratioToPing! <= 1.5,
    },
    {
      target: 'Redis-backed pipeline (rate, budget, rule, approvals on Redis): median ≤ 1.5× PING (same process)',
      measured: ratio(pipeline),
      met: pipeline.ratioToPing! <= 1.5,
    },
  );
  if (!('skipped' in r.redis.serverSide)) {
    const total = r.redis.serverSide.find((s) => s.step.startsWith('rate + budget per call'))!;
    const ping = r.redis.serverSide.find((s) => s.step.startsWith('PING'))!;
    checks.push({
      target: 'time inside redis-server per call, rate + budget (SLOWLOG) ≤ 15 µs',
      measured: `${total.medianUs} µs (PING ${ping.medianUs} µs)`,
      met: total.medianUs <= 15,
    });
  }
  return checks;
}
