import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExample } from '../examples/run.js';
import { type BighubEmulator, startBighubEmulator } from '../src/emulator/index.js';

let emulator: BighubEmulator;
beforeAll(async () => {
  emulator = await startBighubEmulator({
    rules: { maxValue: 10_000, requireApprovalAbove: 1_000, generation: 'better_decision' },
  });
});
afterAll(() => emulator.close());

describe('examples/run.ts', () => {
  it('executes, asks for approval and resumes, blocks, and reports telemetry', async () => {
    const lines = await runExample(emulator.url);
    expect(lines[0]).toBe('refund 50: executed');
    expect(lines[1]).toMatch(/^refund 2500: approval_required \(bighub_review\), BIGHUB request req_/);
    expect(lines[2]).toBe('approved by alice: resolved on BIGHUB');
    expect(lines[3]).toBe('resumed: executed {"refunded":2500}');
    expect(lines[4]).toMatch(
      /^refund 50000: blocked \(bighub_blocked\): BIGHUB blocked this action: Value 50000 exceeds/,
    );
    expect(lines[5]).toBe('telemetry: 4 memory ingests, 3 outcome reports');
    expect([...emulator.state.approvals.values()].map((a) => a.status)).toEqual(['approved']);
  });
});
