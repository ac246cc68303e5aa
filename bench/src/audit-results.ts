// The audit tables of `pnpm bench` (issue 15, targets 1 to 3): figures of the audit sections turned into
// per-decision and per-KB costs beside their floors, the target checks, and the markdown.
import { ARG_BYTES, ARG_SHAPES, type ArgShape, DECISION_GATES } from './cases/audit.js';
import type { ThroughputFigure } from './cases/throughput.js';
import { table, us } from './markdown.js';
import type { Figure } from './measure.js';
import type { TargetCheck } from './results.js';

/** One row of the decisions table. */
export interface DecisionRow {
  decisions: number;
  withUs: number;
  withoutUs: number;
  /** What the audit gate adds: with minus without, µs. */
  auditUs: number;
  /** JSON.stringify + SHA-256 of the same record, µs. */
  floorUs: number;
}

/** One row of the arguments table. */
export interface ArgRow extends Omit<DecisionRow, 'decisions'> {
  shape: ArgShape;
  bytes: number;
}

/** Cost per KB of arguments from 1 KB to 100 KB, beside the floor's. */
export interface PerKb {
  shape: ArgShape;
  auditUs: number;
  floorUs: number;
  ratio: number;
}

/** What the audit sections measured. */
export interface AuditResults {
  decisions: DecisionRow[];
  /** Audit cost per decision beyond the first (1 to 65 decisions), µs. */
  perDecisionUs: number;
  /** The record floor's cost per decision, µs. */
  floorPerDecisionUs: number;
  args: ArgRow[];
  perKb: PerKb[];
  /** Write-ahead calls one at a time, each with the bare append + fdatasync measured before it. */
  durable: Figure[];
}

function median(figures: readonly Figure[], id: string): number {
  const f = figures.find((x) => x.id === id);
  if (!f) throw new Error(`bench: no figure ${id}`);
  return f.medianUs;
}

/** Builds the tables from the sections' figures. */
export function auditResults(decisionFigures: Figure[], argFigures: Figure[], durable: Figure[]): AuditResults {
  const decisions = DECISION_GATES.map((n) => {
    const withUs = median(decisionFigures, `audit.decisions.${n}.with`);
    const withoutUs = median(decisionFigures, `audit.decisions.${n}.without`);
    return {
      decisions: n + 1,
      withUs,
      withoutUs,
      auditUs: withUs - withoutUs,
      floorUs: median(decisionFigures, `audit.decisions.${n}.floor`),
    };
  });
  const first = decisions[0]!;
  const last = decisions.at(-1)!;
  const span = last.decisions - first.decisions;
  const args = ARG_SHAPES.flatMap((shape) =>
    ARG_BYTES.map((bytes) => {
      const id = `audit.args.${shape}.${bytes}`;
      const withUs = median(argFigures, `${id}.with`);
      const withoutUs = median(argFigures, `${id}.without`);
      return {
        shape,
        bytes,
        withUs,
        withoutUs,
        auditUs: withUs - withoutUs,
        floorUs: median(argFigures, `${id}.floor`),
      };
    }),
  );
  const perKb = ARG_SHAPES.map((shape) => {
    const rows = args.filter((r) => r.shape === shape);
    const small = rows.find((r) => r.bytes === 1_000)!;
    const large = rows.find((r) => r.bytes === 100_000)!;
    const kb = (large.bytes - small.bytes) / 1_000;
    const auditUs = (large.auditUs - small.auditUs) / kb;
    const floorUs = (large.floorUs - small.floorUs) / kb;
    return { shape, auditUs, floorUs, ratio: auditUs / floorUs };
  });
  return {
    decisions,
    perDecisionUs: (last.auditUs - first.auditUs) / span,
    floorPerDecisionUs: (last.floorUs - first.floorUs) / span,
    args,
    perKb,
    durable,
  };
}

/** The audit targets of issue 15 and whether this run met them. */
export function auditTargets(
  a: AuditResults,
  pipeline: { fullMemory: Figure; floor: Figure },
  throughput: readonly ThroughputFigure[],
): TargetCheck[] {
  const ratio = pipeline.fullMemory.overheadUs! / pipeline.floor.medianUs;
  const checks: TargetCheck[] = [
    {
      target: 'full in-memory pipeline with a hash-chained audit record ≤ 1.5× its floor (same run)',
      measured: `${ratio.toFixed(2)}× (${pipeline.fullMemory.overheadUs!.toFixed(1)} µs overhead vs floor ${pipeline.floor.medianUs.toFixed(1)} µs)`,
      met: ratio <= 1.5,
    },
    {
      target: 'audit cost ≤ 1.5 µs per recorded decision beyond the first (1 to 65 decisions)',
      measured: `${a.perDecisionUs.toFixed(2)} µs per decision (floor ${a.floorPerDecisionUs.toFixed(2)} µs)`,
      met: a.perDecisionUs <= 1.5,
    },
  ];
  for (const k of a.perKb) {
    checks.push({
      target: `audit cost per KB of ${k.shape} arguments (1 KB to 100 KB) ≤ 3× the floor's per KB`,
      measured: `${k.ratio.toFixed(2)}× (${k.auditUs.toFixed(2)} µs/KB vs floor ${k.floorUs.toFixed(2)} µs/KB)`,
      met: k.ratio <= 3,
    });
  }
  for (const id of ['durable-intents', 'durable-fsync']) {
    const t = throughput.find((f) => f.id === `throughput.${id}.256`);
    if (!t) continue;
    checks.push({
      target: `durable audit (${id === 'durable-intents' ? 'flush { intents }' : "flush 'fsync'"}) ≥ 30,000 calls/s at 256 in flight`,
      measured: `${Math.round(t.callsPerSec).toLocaleString('en')} calls/s`,
      met: t.callsPerSec >= 30_000,
    });
  }
  for (const f of a.durable) {
    if (f.referenceUs === undefined) continue;
    const r = f.medianUs / f.referenceUs;
    checks.push({
      target: `one durable call alone (${f.id === 'audit.durable.intents' ? 'flush { intents }' : "flush 'fsync'"}) ≤ 1.2× a bare append + fdatasync (same process)`,
      measured: `${r.toFixed(2)}× (${f.medianUs.toFixed(0)} µs vs ${f.referenceUs.toFixed(0)} µs)`,
      met: r <= 1.2,
    });
  }
  return checks;
}

/** The markdown of the audit section. */
export function renderAudit(a: AuditResults): string {
  return [
    '### Audit: cost per recorded decision',
    'N trivial rule-stage gates, each allowing with a small `data` (`{ limit, remaining }`), plus validation: ' +
      'the call with an audit gate to memory and without it, each in a process of its own; the audit cost is ' +
      'the difference of the medians. Floor: JSON.stringify + SHA-256 of the same record.',
    table(
      ['decisions', 'with audit µs', 'without µs', 'audit µs', 'floor µs'],
      a.decisions.map((r) => [String(r.decisions), us(r.withUs), us(r.withoutUs), us(r.auditUs), us(r.floorUs)]),
    ),
    `Per decision beyond the first: audit ${us(a.perDecisionUs)} µs, floor ${us(a.floorPerDecisionUs)} µs.`,
    '### Audit: cost per KB of arguments',
    'Arguments sent as one JSON string of about this many bytes: an object of string fields, or an array of ' +
      'strings under `items`, validated against a schema of that shape; the handler returns `{ ok: true }`. ' +
      'Floor: JSON.parse + the compiled validator + JSON.stringify + SHA-256 of the same bytes. The audit keeps ' +
      'values up to `maxValueChars` (4,096) whole and a preview of longer ones, so past 4 KB it redacts a ' +
      'bounded part and counts the rest.',
    table(
      ['arguments', 'with audit µs', 'without µs', 'audit µs', 'floor µs'],
      a.args.map((r) => [
        `${r.shape}, ${r.bytes.toLocaleString('en')} B`,
        us(r.withUs),
        us(r.withoutUs),
        us(r.auditUs),
        us(r.floorUs),
      ]),
    ),
    table(
      ['shape', 'audit µs per KB (1 KB to 100 KB)', 'floor µs per KB', 'ratio'],
      a.perKb.map((k) => [k.shape, us(k.auditUs), us(k.floorUs), `${k.ratio.toFixed(2)}×`]),
    ),
    '### Audit: one durable call at a time',
    'The full pipeline with a fail-closed write-ahead audit gate on a JSONL file, one call at a time; each case is ' +
      'measured right after a bare write of a 700-byte line + fdatasync in the same process.',
    table(
      ['case', 'median µs', 'p99 µs', 'bare append + fdatasync µs', 'ratio'],
      a.durable.map((f) => [
        f.label,
        us(f.medianUs),
        us(f.p99Us),
        f.referenceUs === undefined ? '' : us(f.referenceUs),
        f.referenceUs === undefined ? '' : `${(f.medianUs / f.referenceUs).toFixed(2)}×`,
      ]),
    ),
  ].join('\n\n');
}
