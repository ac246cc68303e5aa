// Times the steps of one audit record (build, seal, canonicalize) for the audit gate alone and for the full
// pipeline, whose record holds every gate's decision data: see docs/performance.md.
import { GENESIS, outcomeEntry, Redactor, recordLine, seal } from '@tollgate/audit';
import { canonicalJson, type Gate, type GateContext, type GateResult } from '@tollgate/core';
import { ARGS, budgetGate, CONTEXT, paymentRunner, rateGate, ruleGate } from './fixtures.js';

/** Mean µs per call of `fn` over `n` calls, after a warm-up. */
function meanUs(fn: () => unknown, n = 50_000): string {
  for (let i = 0; i < n / 10; i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  return (((performance.now() - t0) / n) * 1e3).toFixed(1);
}

const options = { redactor: new Redactor(), maxValueChars: 4096 };
for (const [label, gates] of [
  ['audit gate alone', []],
  ['full pipeline (rate, budget, rule)', [rateGate(), budgetGate(), ruleGate()]],
] as const) {
  let seen: { result: GateResult; ctx: GateContext } | undefined;
  const spy: Gate = {
    name: 'spy',
    stage: 'audit',
    record: (result, ctx) => {
      seen = { result, ctx };
    },
  };
  await paymentRunner([...gates, spy]).call('send_money', ARGS, CONTEXT);
  if (!seen) throw new Error('the spy saw no call');
  const { result, ctx } = seen;
  const entry = outcomeEntry(result, ctx, options);
  const record = seal(entry, GENESIS);
  console.log(
    `${label}: record ${recordLine(record).length} chars; µs per step: outcomeEntry ${meanUs(() => outcomeEntry(result, ctx, options))}, ` +
      `seal ${meanUs(() => seal(entry, GENESIS))}, canonicalJson ${meanUs(() => canonicalJson(record))}, ` +
      `JSON.stringify ${meanUs(() => JSON.stringify(record))}`,
  );
}
