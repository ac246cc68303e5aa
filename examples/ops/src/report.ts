import type { OpsStep } from './ops-desk.js';

/** A step as readable lines: each tool call with its arguments and outcome, the approvals, the answer. */
export function describeStep(step: OpsStep): string {
  const lines = [`> ${step.request}`];
  const args = new Map<string, string>();
  const approvals = [...step.approvals];
  for (const event of step.events) {
    if (event.type === 'tool_call') args.set(event.call.callId, event.call.arguments);
    if (event.type !== 'execution_event') continue;
    const r = event.result;
    const why = r.status === 'executed' ? '' : ` (${r.reason}): ${r.message}`;
    lines.push(`  ${event.tool} ${args.get(event.callId) ?? ''} -> ${r.status}${why}`);
    const choice = r.status === 'approval_required' ? approvals.shift() : undefined;
    if (choice) lines.push(`  ${choice.by} ${choice.approve ? 'approved' : 'denied'}: ${choice.comment ?? ''}`);
  }
  lines.push(`  model: ${step.reply}`);
  return lines.join('\n');
}
