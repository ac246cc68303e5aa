import type { ReplaySummary, Tally } from './summary.js';

/** Most skipped lines and warnings listed one by one; `--json` has them all. */
const MAX_SKIPPED_SHOWN = 20;

/** The human-readable summary `tollgate replay` prints. */
export function renderSummary(s: ReplaySummary): string {
  const out: string[] = [];
  out.push(`Replayed ${s.episodes} episodes, ${s.calls} tool calls (${s.format} format) with ${s.policy}`);
  out.push(
    `  executed  ${pad(s.totals.executed)}${s.toolErrors ? `  (${s.toolErrors} of them failed as recorded)` : ''}`,
  );
  out.push(`  blocked   ${pad(s.totals.blocked)}`);
  out.push(`  approval  ${pad(s.totals.approval)}${s.review ? '' : '  (left pending)'}`);
  if (s.review) {
    out.push(
      `  reviewer stand-in: ${s.review.approved} approved (${s.review.executedAfterApproval} then executed), ${s.review.denied} denied`,
    );
  }
  if (s.shadow) {
    out.push(
      '',
      `In shadow (recorded, not enforced): ${s.shadow.wouldBlock} calls would have been blocked, ${s.shadow.wouldAsk} sent to approval`,
    );
    for (const r of s.shadow.byRule) {
      out.push(
        `  ${pad(r.calls)}  ${r.outcome.padEnd(11)}  ${r.gate}${r.rule === '-' ? '' : ` / ${r.rule}`}: ${r.reason}`,
      );
    }
  }
  if (s.labels) {
    out.push('', 'By label:');
    out.push(`  attack-labelled calls  ${line(s.labels.attack, 'allowed')}`);
    out.push(`  other calls            ${line(s.labels.other, 'executed')}`);
  }
  if (s.groups) {
    out.push('', `By ${s.groups.label}:`);
    const width = Math.max(...Object.keys(s.groups.values).map((k) => k.length), 8);
    for (const [value, g] of Object.entries(s.groups.values).sort(([a], [b]) => a.localeCompare(b))) {
      out.push(`  ${value.padEnd(width)}  all: ${line(g.all, 'executed')}`);
      if (s.labels) {
        out.push(
          `  ${''.padEnd(width)}  attack-labelled: ${line(g.attack, 'allowed')}; other: ${line(g.other, 'executed')}`,
        );
      }
    }
  }
  const tools = Object.entries(s.byTool).sort(([a], [b]) => a.localeCompare(b));
  if (tools.length) {
    const width = Math.max(...tools.map(([t]) => t.length), 4);
    out.push('', `By tool:`, `  ${'tool'.padEnd(width)}  executed   blocked  approval`);
    for (const [tool, t] of tools) {
      out.push(`  ${tool.padEnd(width)}  ${pad(t.executed, 8)}  ${pad(t.blocked, 8)}  ${pad(t.approval, 8)}`);
    }
  }
  if (s.byReason.length) {
    out.push('', 'By reason (blocked and approval):');
    for (const r of s.byReason) out.push(`  ${pad(r.calls)}  ${r.outcome.padEnd(8)}  ${r.gate}: ${r.reason}`);
  }
  if (s.skipped.length) {
    out.push('', `Skipped ${s.skipped.length} line(s):`);
    for (const k of s.skipped.slice(0, MAX_SKIPPED_SHOWN)) out.push(`  line ${k.line}: ${k.message}`);
    if (s.skipped.length > MAX_SKIPPED_SHOWN) out.push(`  … and ${s.skipped.length - MAX_SKIPPED_SHOWN} more`);
  }
  if (s.warnings.length) {
    out.push('', `${s.warnings.length} warning(s):`);
    for (const w of s.warnings.slice(0, MAX_SKIPPED_SHOWN)) {
      out.push(`  ${w.line === undefined ? '' : `line ${w.line}: `}${w.message}`);
    }
    if (s.warnings.length > MAX_SKIPPED_SHOWN) out.push(`  … and ${s.warnings.length - MAX_SKIPPED_SHOWN} more`);
  }
  out.push('', `Replay took ${s.elapsedMs} ms.`);
  return `${out.join('\n')}\n`;
}

function line(t: Tally, ran: string): string {
  return `${t.executed + t.blocked + t.approval} calls: ${t.blocked} blocked, ${t.approval} sent to approval, ${t.executed} ${ran}`;
}

function pad(n: number, width = 5): string {
  return String(n).padStart(width);
}
