// The shape of bench/results/latest.json, shared by the run and the report.
import type { AuditResults } from './audit-results.js';
import type { PostgresResult } from './cases/postgres.js';
import type { RedisResult } from './cases/redis.js';
import type { KeyScaling } from './cases/scaling.js';
import type { ThroughputFigure } from './cases/throughput.js';
import type { Machine } from './machine.js';
import type { Figure, MeasureOptions } from './measure.js';

/** A target from issue 8 and whether this run met it. */
export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean;
}

/** Everything one `pnpm bench` run measured. */
export interface BenchResults {
  /** ISO date of the run. */
  date: string;
  /** The command that produced these results. */
  command: string;
  /** `source` (TypeScript through tsx) or `compiled` (tsc output in dist/). */
  code: 'source' | 'compiled';
  machine: Machine;
  options: MeasureOptions;
  overhead: { bare: Figure; figures: Figure[]; throttle: Figure[] };
  /** The Redis section, or why it was skipped. */
  redis: RedisResult | { skipped: string };
  throughput: ThroughputFigure[];
  scaling: { tools: Figure[]; gates: Figure[]; keys: KeyScaling[] };
  /** A 200-message run with 1 MB of tool output: recording it, queries on it and their rescan floor, a gated call. */
  provenance: Figure[];
  /** The audit tables of issue 15 (absent in results from before them). */
  audit: AuditResults;
  /** The PostgreSQL audit sink of issue 16, or why it was skipped (absent in results from before it). */
  postgres?: PostgresResult | { skipped: string };
  targets: TargetCheck[];
  /** Seconds the whole run took. */
  durationSec: number;
}
