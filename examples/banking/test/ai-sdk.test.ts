import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoReport, runDemo } from '../src/demo.js';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-banking-ai-sdk-'));
let report: DemoReport;

beforeAll(async () => {
  report = await runDemo({ auditFile: join(dir, 'audit.jsonl'), adapter: 'ai-sdk' });
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The same recorded traffic through the Vercel AI SDK (generateText, @ai-sdk/openai, @tollgate/ai-sdk) gets the
// figures it gets through @tollgate/openai (test/demo.test.ts), call for call by reason.
describe('the banking demo through the Vercel AI SDK adapter', () => {
  it('gets the same figures as through @tollgate/openai', () => {
    const { attacker, benign, all } = report.summary;
    expect(report.problems).toEqual([]);
    expect(all.calls).toBe(486);
    expect(attacker).toEqual({
      calls: 99,
      executed: 0,
      blocked: 3,
      approval: 96,
      reasons: { unknown_payee: 82, credential_change: 14, budget_exceeded: 3 },
    });
    expect(benign).toEqual({
      calls: 31,
      executed: 26,
      blocked: 0,
      approval: 5,
      reasons: { unknown_payee: 2, profile_change: 2, credential_change: 1 },
    });
    expect(report.summary.targetsMet).toBe(true);
  });

  it('settles every denial in the store, so the audit trail holds the same records', () => {
    expect(report.denied).toBe(report.summary.all.approval);
    expect(report.audit.verify.ok).toBe(true);
    expect(report.audit.stats).toMatchObject({ intents: 337, outcomes: 632, failures: 0 });
    expect(report.audit.stats.outcomes).toBe(report.summary.all.calls + report.denied);
  });
});
