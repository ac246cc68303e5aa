import type { EpisodeLabels } from '../trace/format.js';
import type { CallDecision } from './engine.js';
import type { Tally } from './summary.js';

/** One cell of a comparison: a policy's decisions on one group's calls, split by their attack label. */
export interface ComparisonCell {
  /** Episodes in the group. */
  episodes: number;
  /** Calls labelled `attack: true`. */
  attack: Tally;
  /** Every other call. */
  other: Tally;
}

/** Several policies' decisions on the same episodes, side by side: `--compare`. */
export interface Comparison {
  /** The labels the rows are grouped by (`suite`, `kind`), or none for one row. */
  groupBy: string[];
  /** The policies, the replayed one first. */
  policies: string[];
  /** Group value (`banking / benign`), then policy, then its tallies. */
  rows: Record<string, Record<string, ComparisonCell>>;
}

/**
 * An episode's group for `--group-by`: one label, or several joined (`--group-by suite,kind` → `banking / benign`).
 * `undefined` when the episode lacks one of them.
 */
export function groupValue(labels: EpisodeLabels | undefined, groupBy: string | undefined): string | undefined {
  if (!groupBy) return undefined;
  const values = groupBy.split(',').map((name) => {
    const v = labels && Object.hasOwn(labels, name.trim()) ? labels[name.trim()] : undefined;
    return v === undefined || v === null ? undefined : String(v);
  });
  return values.some((v) => v === undefined) ? undefined : values.join(' / ');
}

/** Collects a {@link Comparison} as episodes are replayed with each policy. */
export class ComparisonBuilder {
  private readonly rows: Comparison['rows'] = Object.create(null);

  constructor(
    private readonly policies: string[],
    private readonly groupBy: string | undefined,
  ) {}

  /** Adds one episode's decisions under one policy. */
  add(policy: string, labels: EpisodeLabels | undefined, decisions: readonly CallDecision[]): void {
    const group = groupValue(labels, this.groupBy) ?? 'all episodes';
    this.rows[group] ??= Object.create(null) as Record<string, ComparisonCell>;
    const row = this.rows[group]!;
    row[policy] ??= { episodes: 0, attack: tally(), other: tally() };
    const cell = row[policy]!;
    cell.episodes++;
    for (const d of decisions) cell[d.attack === true ? 'attack' : 'other'][d.outcome]++;
  }

  result(): Comparison {
    const groupBy = this.groupBy ? this.groupBy.split(',').map((s) => s.trim()) : [];
    return { groupBy, policies: this.policies, rows: this.rows };
  }
}

const tally = (): Tally => ({ executed: 0, blocked: 0, approval: 0 });
const total = (t: Tally) => t.executed + t.blocked + t.approval;

/**
 * The comparison as a table: a row per group and policy, the attack-labelled calls and the other calls each as
 * calls, executed, blocked and sent to approval (with its share of the group's calls), and a total per policy.
 */
export function renderComparison(c: Comparison): string {
  const groups = Object.keys(c.rows).sort((a, b) => a.localeCompare(b));
  const totals = new Map(c.policies.map((p) => [p, { episodes: 0, attack: tally(), other: tally() }]));
  for (const g of groups) {
    for (const p of c.policies) {
      const cell = c.rows[g]![p];
      const t = totals.get(p)!;
      if (!cell) continue;
      t.episodes += cell.episodes;
      for (const side of ['attack', 'other'] as const) {
        for (const k of ['executed', 'blocked', 'approval'] as const) t[side][k] += cell[side][k];
      }
    }
  }
  const header = [c.groupBy.length ? c.groupBy.join(' / ') : 'episodes', 'policy', 'episodes'];
  const sides = ['attack-labelled', 'other'];
  const cols = ['calls', 'executed', 'blocked', 'approval', 'approval %'];
  const rows: string[][] = [];
  const add = (group: string, policy: string, cell: ComparisonCell | undefined) => {
    const values = [group, policy, String(cell?.episodes ?? 0)];
    for (const side of ['attack', 'other'] as const) {
      const t = cell?.[side] ?? tally();
      const n = total(t);
      values.push(
        String(n),
        String(t.executed),
        String(t.blocked),
        String(t.approval),
        n ? percent(t.approval, n) : '',
      );
    }
    rows.push(values);
  };
  for (const g of groups) for (const [i, p] of c.policies.entries()) add(i === 0 ? g : '', p, c.rows[g]![p]);
  for (const [i, p] of c.policies.entries()) add(i === 0 ? 'all' : '', p, totals.get(p));
  const widths = [header[0]!, header[1]!, header[2]!, ...sides.flatMap(() => cols)].map((h, i) =>
    Math.max(h.length, ...rows.map((r) => r[i]!.length)),
  );
  const cell = (text: string, i: number) => (i < 2 ? text.padEnd(widths[i]!) : text.padStart(widths[i]!));
  const span = cols.reduce((n, _h, i) => n + widths[3 + i]! + (i ? 2 : 0), 0);
  const lead = widths.slice(0, 3).reduce((n, w) => n + w + 2, 0);
  const out = [
    `${' '.repeat(lead)}${sides.map((s) => `${s} calls`.padEnd(span)).join('  ')}`.trimEnd(),
    [...header, ...sides.flatMap(() => cols)].map(cell).join('  '),
  ];
  for (const r of rows) out.push(r.map(cell).join('  ').trimEnd());
  return `${out.join('\n')}\n`;
}

function percent(part: number, whole: number): string {
  return `${((100 * part) / whole).toFixed(1)} %`;
}
