// Issue 11 #10: an 8 MB `sk-…` argument made redaction throw RangeError (the call ran, its outcome record was lost),
// and a 48 MB one blocked the event loop for about 35 s per record. What the audit redacts and records is bounded.
import { describe, expect, it, vi } from 'vitest';
import { type AuditRecord, MemorySink, REDACTED, Redactor, type TruncatedValue, verifyRecords } from '../src/index.js';
import { auditedRunner } from './helpers.js';

const MB = 2 ** 20;

/** A runner auditing into memory (intent and outcome), with a redactor whose inputs the test can see. */
function spiedRunner() {
  const redactor = new Redactor();
  const seen: number[] = [];
  const original = redactor.redactString.bind(redactor);
  vi.spyOn(redactor, 'redactString').mockImplementation((s: string) => {
    seen.push(s.length);
    return original(s);
  });
  const sink = new MemorySink();
  const run = auditedRunner(sink, { writeAhead: true, redact: redactor });
  run.runner.register({ name: 'echo', parameters: { type: 'object' }, handler: (args) => args });
  run.runner.register({
    name: 'explode',
    parameters: { type: 'object' },
    handler: (args: { text: string }) => {
      throw new Error(args.text);
    },
  });
  return { ...run, sink, seen };
}

/** Redaction work per record stays within this many characters, however large the input. */
const MAX_REDACTED_PER_STRING = 65_536;

function outcome(sink: MemorySink): AuditRecord {
  return sink.records.filter((r) => r.kind === 'outcome').at(-1)!;
}

// Large inputs on a loaded 2-core machine: generous budgets, no timing asserted.
describe('size caps', { timeout: 120_000 }, () => {
  it('an 8 MB sk-… argument is recorded (intent and outcome), truncated, with its original length', async () => {
    const { runner, sink, audit } = spiedRunner();
    const key = `sk-${'a'.repeat(8 * MB)}`;
    const result = await runner.call('echo', { key, note: 'ok' });
    expect(result.status).toBe('executed');
    expect(result.warnings).toBeUndefined();
    expect(audit.stats()).toMatchObject({ intents: 1, outcomes: 1, failures: 0 });
    const args = outcome(sink).args as TruncatedValue;
    expect(args).toMatchObject({ truncated: true, chars: JSON.stringify({ key, note: 'ok' }).length });
    expect(args.preview.startsWith(`{"key":"${REDACTED}`)).toBe(true);
    expect(args.preview).not.toContain('sk-a');
    expect(JSON.stringify(outcome(sink).result)).not.toContain('sk-a');
    expect(verifyRecords(sink.lines())).toMatchObject({ ok: true, records: 2 });
  });

  it('a 48 MB argument costs a bounded amount of redaction, in args, result and error message alike', async () => {
    const { runner, sink, seen, audit } = spiedRunner();
    // Text the patterns scan hard: URL credentials without their end, card-like digits, key=value pairs.
    const nasty = 'x://u:p 4111 1111 1111 111 password=' + 'a'.repeat(64);
    const huge = nasty.repeat(Math.ceil((48 * MB) / nasty.length));
    await runner.call('echo', { huge });
    await runner.call('explode', { text: huge });
    expect(audit.stats()).toMatchObject({ intents: 2, outcomes: 2, failures: 0 });
    expect(Math.max(...seen)).toBeLessThanOrEqual(MAX_REDACTED_PER_STRING);
    expect(seen.reduce((a, b) => a + b, 0)).toBeLessThan(2 * MB);
    const failed = outcome(sink);
    expect(failed.status).toBe('tool_error');
    expect(failed.error?.message.length).toBeLessThanOrEqual(4096 + 64);
    expect(failed.error?.message).toMatch(/… \[50331\d+ chars\]$/);
    expect(failed.message?.length).toBeLessThanOrEqual(4096 + 64);
    expect(verifyRecords(sink.lines())).toMatchObject({ ok: true, records: 4 });
  });

  it('many small secrets cost bounded redaction too, and a secret object key of 1 MB never shows', async () => {
    const { runner, sink, seen } = spiedRunner();
    const many = Array.from({ length: 200_000 }, (_, i) => `sk-${String(i).padStart(20, '0')}`);
    await runner.call('echo', { many });
    expect(seen.reduce((a, b) => a + b, 0)).toBeLessThan(2 * MB);
    expect((outcome(sink).args as TruncatedValue).chars).toBe(JSON.stringify({ many }).length);

    const bigKey = `sk-${'b'.repeat(MB)}`;
    await runner.call('echo', { [bigKey]: 1 });
    const lines = sink.lines().join('\n');
    expect(lines).not.toContain('sk-b');
    expect(Math.max(...seen)).toBeLessThanOrEqual(MAX_REDACTED_PER_STRING);
  });

  it('a secret that the cap cuts in two leaves none of itself in the preview', async () => {
    const { runner, sink } = spiedRunner();
    const credential = `postgres://app:${'p'.repeat(10_000)}@db/x`;
    await runner.call('echo', { note: `${'word '.repeat(815)}${credential} tail` });
    const { preview } = outcome(sink).args as TruncatedValue;
    expect(preview.length).toBeLessThanOrEqual(4096);
    expect(preview).not.toContain('app:p');
    expect(preview).toMatch(/word $/);
  });

  it('long messages and identity fields are cut with their length; short ones are kept whole', async () => {
    const { runner, sink } = spiedRunner();
    await runner.call('explode', { text: `token=abc ${'y'.repeat(10_000)}` });
    const failed = outcome(sink);
    // Cut at the cap, without the word the cap split, then the full length.
    expect(failed.error?.message).toBe(`token=${REDACTED} … [10010 chars]`);
    await runner.call('explode', { text: 'short token=abc' });
    expect(outcome(sink).error?.message).toBe(`short token=${REDACTED}`);
    const longTool = `t${'o'.repeat(9_000)}`;
    await runner.call(longTool, {});
    expect(outcome(sink).tool).toMatch(/^too+… \[9001 chars\]$/);
    expect(outcome(sink).tool.length).toBeLessThanOrEqual(4096 + 64);
  });
});
