import { createTestLogger } from 'tslog/testing';
import { describe, expect, it, vi } from 'vitest';
import { type AuditRecord, TslogSink, verifyRecords } from '../src/index.js';
import { auditedRunner } from './helpers.js';

describe('TslogSink', () => {
  it('logs each record as JSON under `audit`, chained so the logged records verify', async () => {
    // 'hidden' keeps test output quiet; the captured lines are still the JSON tslog would print.
    const { logger, lines } = createTestLogger({ type: 'hidden' });
    const sink = new TslogSink({ logger });
    const { runner } = auditedRunner(sink, { writeAhead: true });
    await Promise.all([
      runner.call('pay', { amount: 1, to: 'bob' }),
      runner.call('pay', { amount: 2, to: 'mallory' }),
      runner.call('fail', { why: 'nope' }),
    ]);
    await sink.flush();
    const logged = lines.map((l) => JSON.parse(l) as { message: string; audit: AuditRecord });
    expect(logged).toHaveLength(5);
    expect(logged.map((l) => l.audit.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(logged.find((l) => l.audit.status === 'tool_error')?.message).toBe('audit outcome fail tool_error');
    expect(verifyRecords(logged.map((l) => JSON.stringify(l.audit)))).toMatchObject({ ok: true, records: 5 });
    await sink.close();
  });

  it('renders pretty lines for development and JSON for production', async () => {
    // A pretty test logger also prints each line to the console; the captured lines are what is checked.
    const quiet = vi.spyOn(console, 'log').mockImplementation(() => {});
    const pretty = createTestLogger({ type: 'pretty' });
    const sink = new TslogSink({ logger: pretty.logger });
    const { runner } = auditedRunner(sink);
    await runner.call('pay', { amount: 1, to: 'bob' });
    quiet.mockRestore();
    expect(pretty.lines[0]).toContain('audit outcome pay executed');
    expect(() => JSON.parse(pretty.lines[0]!)).toThrow();

    const previous = process.env.NODE_ENV;
    try {
      process.env.NODE_ENV = 'production';
      expect((new TslogSink().logger as unknown as { settings: { type: string } }).settings.type).toBe('json');
      process.env.NODE_ENV = 'development';
      expect((new TslogSink().logger as unknown as { settings: { type: string } }).settings.type).toBe('pretty');
    } finally {
      process.env.NODE_ENV = previous;
    }
  });
});
