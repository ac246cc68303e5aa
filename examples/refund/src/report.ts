import type { RefundStep } from './desk.js';

/** A step as readable lines: the request, each result with its reason, any approval, and the reply. */
export function describeStep(step: RefundStep): string {
  const lines = [`> ${step.request}`];
  const approvals = [...step.approvals];
  for (const r of step.results) {
    const why = r.status === 'executed' ? '' : ` (${r.reason}): ${r.message}`;
    lines.push(`  ${r.tool} ${r.status}${why}`);
    const choice = r.status === 'approval_required' ? approvals.shift() : undefined;
    if (choice) lines.push(`  ${choice.by} ${choice.approve ? 'approved' : 'denied'}: ${choice.comment ?? ''}`);
  }
  lines.push(`  model: ${step.reply}`);
  return lines.join('\n');
}
