// One measurement in a process of its own, so no other case's code shapes, heap or timers skew it: V8 makes a
// function that has seen many object shapes slower for all of them, and a long-lived process of thirteen
// pipelines is not what an application runs. `main.ts` starts one per case and reads its JSON answer.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REDIS_URL } from '@tollgate/test-utils';
import { buildArgCases, buildDecisionCases, buildDurableCases, measurePaired, PAIRED_WITH } from './cases/audit.js';
import { buildOverheadCases } from './cases/overhead.js';
import { postgresSection } from './cases/postgres.js';
import { buildProvenanceCases } from './cases/provenance.js';
import { buildRedisCases } from './cases/redis.js';
import { budgetKeyScaling, buildGateCases, buildToolCases, rateKeyScaling } from './cases/scaling.js';
import { buildPipeline, type THROUGHPUT_PIPELINES, throughputLevels } from './cases/throughput.js';
import { type CallCase, type MeasureOptions, measure } from './measure.js';

/** What a child is asked to measure. */
export type ChildJob =
  | { kind: 'call'; section: Section; id: string; options: MeasureOptions }
  | { kind: 'calls'; section: Section; ids: string[]; options: MeasureOptions }
  | { kind: 'throughput'; id: (typeof THROUGHPUT_PIPELINES)[number]; ms: number }
  | { kind: 'keys'; id: 'rate' | 'budget'; checkpoints: number[] }
  | { kind: 'postgres'; url: string; ms: number };

/** The per-call sections: each case is measured in a child of its own. */
export type Section =
  | 'overhead'
  | 'redis'
  | 'tools'
  | 'gates'
  | 'provenance'
  | 'audit-decisions'
  | 'audit-args'
  | 'audit-durable';

/** The sizes the scaling sections measure. */
export const TOOL_COUNTS = [10, 100, 1_000, 10_000];
export const GATE_COUNTS = [1, 2, 4, 8];

async function section(name: string, dir: string): Promise<{ cases: CallCase[]; close(): Promise<void> }> {
  const none = async () => {};
  switch (name) {
    case 'overhead':
      return buildOverheadCases(dir);
    case 'redis':
      return buildRedisCases(REDIS_URL);
    case 'tools':
      return { cases: buildToolCases(TOOL_COUNTS), close: none };
    case 'provenance':
      return { cases: buildProvenanceCases(), close: none };
    case 'audit-decisions':
      return { cases: await buildDecisionCases(), close: none };
    case 'audit-args':
      return { cases: buildArgCases(), close: none };
    case 'audit-durable':
      return buildDurableCases(dir);
    default:
      return { cases: buildGateCases(GATE_COUNTS), close: none };
  }
}

async function run(job: ChildJob, dir: string): Promise<unknown> {
  if (job.kind === 'keys') {
    if (!globalThis.gc) throw new Error('key scaling needs --expose-gc');
    const gc = globalThis.gc as () => void;
    return job.id === 'rate' ? rateKeyScaling(job.checkpoints, gc) : budgetKeyScaling(job.checkpoints, gc);
  }
  if (job.kind === 'postgres') return postgresSection(job.url, dir, job.ms);
  if (job.kind === 'throughput') {
    const pipeline = await buildPipeline(job.id, dir, REDIS_URL);
    try {
      return await throughputLevels(pipeline, job.id, job.ms);
    } finally {
      await pipeline.close();
    }
  }
  const { cases, close } = await section(job.section, dir);
  if (job.kind === 'calls') {
    // Cases that share nothing but a process (the floors of a table): measured one after another in it.
    try {
      return await measure(
        job.ids.map((id) => cases.find((c) => c.id === id)!),
        job.options,
      );
    } finally {
      await close();
    }
  }
  try {
    const selected = cases.find((c) => c.id === job.id);
    if (!selected) throw new Error(`no case ${job.id} in ${job.section}`);
    const ping = job.section === 'redis' && job.id !== 'redis.ping' ? cases[0] : undefined;
    const reference = cases.find((c) => c.id === PAIRED_WITH[job.id]);
    // A durable call is measured call by call against a bare append + fdatasync in this process.
    if (reference) return await measurePaired(reference, selected, job.options);
    if (!ping) return (await measure([selected], job.options))[0];
    // A Redis case is paired with a PING measured right before it in this process, so its ratio to PING
    // compares two figures taken under the same conditions.
    const [pingFigure, figure] = await measure([ping, selected], job.options);
    figure!.pingUs = pingFigure!.medianUs;
    figure!.ratioToPing = figure!.medianUs / pingFigure!.medianUs;
    return figure;
  } finally {
    await close();
  }
}

/** Lists the case ids of a section (for the parent), without measuring anything. */
async function list(name: string, dir: string): Promise<string[]> {
  const { cases, close } = await section(name, dir);
  await close();
  return cases.map((c) => c.id);
}

const request = JSON.parse(process.argv[2] ?? '{}') as ChildJob | { kind: 'list'; section: string };
const dir = await mkdtemp(join(tmpdir(), 'tollgate-bench-'));
try {
  const answer = request.kind === 'list' ? await list(request.section, dir) : await run(request, dir);
  process.stdout.write(`${JSON.stringify(answer)}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
// Timers of rate-limiter-flexible and sinks are unref'd or closed; exit now rather than wait for stragglers.
process.exit(0);
