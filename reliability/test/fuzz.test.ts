import { GatedToolRunner, type GateResult } from '@tollgate/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// vitest.config.ts runs this project with --expose-gc, so heap readings are taken after a full collection.
const gc = (): void => {
  if (!global.gc) throw new Error('run with --expose-gc');
  global.gc();
};

// Real AgentDojo-shaped schemas: money, dates, arrays, nested objects.
const tools = [
  {
    name: 'send_money',
    parameters: {
      type: 'object',
      properties: {
        recipient: { type: 'string', minLength: 5, maxLength: 34 },
        amount: { type: 'number', exclusiveMinimum: 0 },
        subject: { type: 'string', maxLength: 140 },
        date: { type: 'string', format: 'date' },
      },
      required: ['recipient', 'amount', 'subject', 'date'],
      additionalProperties: false,
    },
  },
  {
    name: 'send_email',
    parameters: {
      type: 'object',
      properties: {
        recipients: { type: 'array', items: { type: 'string', format: 'email' }, minItems: 1 },
        subject: { type: 'string' },
        body: { type: 'string' },
        attachments: {
          type: 'array',
          items: {
            type: 'object',
            properties: { type: { enum: ['file', 'event'] }, file_id: { type: 'string' } },
            required: ['type'],
          },
        },
      },
      required: ['recipients', 'subject', 'body'],
    },
  },
];

/** Arguments as a model or an attacker might send them. */
const hostileArguments = fc.oneof(
  fc.json({ maxDepth: 6 }),
  fc.string({ unit: 'binary', maxLength: 400 }),
  fc.jsonValue({ maxDepth: 4 }),
  fc
    .tuple(fc.integer({ min: 50_000, max: 200_000 }), fc.string({ minLength: 1, maxLength: 1 }))
    .map(([n, c]) => JSON.stringify({ recipient: c.repeat(n), amount: 1, subject: c.repeat(n), date: '2024-01-01' })),
  fc.integer({ min: 60, max: 5_000 }).map((d) => `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`),
  fc.integer({ min: 60, max: 50_000 }).map((d) => `{"x":${'['.repeat(d)}${']'.repeat(d)}}`),
  fc.constantFrom(
    '{"__proto__":{"isAdmin":true}}',
    '{"constructor":{"prototype":{"isAdmin":true}}}',
    '{"recipients":[{"__proto__":{"polluted":1}}],"subject":"s","body":"b"}',
    '{"amount":"100","recipient":"US133000000121212121212","subject":"x","date":"2022-01-01"}',
    '{"amount":1e400,"recipient":"US133000000121212121212","subject":"x","date":"2022-01-01"}',
    '',
    'null',
    '[]',
    '{',
    '\u0000',
  ),
  fc.record(
    {
      recipient: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
      amount: fc.oneof(fc.double(), fc.string(), fc.constant(null)),
      subject: fc.string(),
      date: fc.oneof(
        fc.string(),
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
      ),
    },
    { requiredKeys: [] },
  ),
  fc.anything(),
  // Valid arguments for one tool or the other (and so invalid for the other one): without them no call would
  // run and the checks on what handlers received would hold vacuously.
  fc.record(
    {
      recipient: fc.string({ minLength: 5, maxLength: 34 }),
      amount: fc.double({ min: 0.01, max: 1e9, noNaN: true }),
      subject: fc.string({ maxLength: 140 }),
      date: fc
        .date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10)),
    },
    { noNullPrototype: true },
  ),
  fc.record(
    {
      recipients: fc.array(fc.emailAddress(), { minLength: 1, maxLength: 3 }),
      subject: fc.string(),
      body: fc.string({ maxLength: 2_000 }),
    },
    { noNullPrototype: true },
  ),
);

describe('10,000 fuzzed tool calls', () => {
  it('never run a handler on invalid arguments, never throw, and keep the heap bounded', async () => {
    const ran: { tool: string; args: unknown }[] = [];
    const runner = new GatedToolRunner({
      tools: tools.map((t) => ({ ...t, handler: (args: unknown) => void ran.push({ tool: t.name, args }) })),
    });
    const validators = new Map(tools.map((t) => [t.name, t]));
    const samples = fc.sample(
      fc.tuple(fc.constantFrom('send_money', 'send_email', 'rm_rf', '__proto__'), hostileArguments),
      {
        numRuns: 10_000,
        seed: 20261121,
      },
    );

    const statuses = new Map<string, number>();
    let thrown = 0;
    for (const [tool, args] of samples) {
      let r: GateResult | undefined;
      try {
        r = await runner.call(tool, args);
      } catch {
        thrown++;
      }
      if (r) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      expect(r?.status === 'executed' || r?.status === 'blocked').toBe(true);
      if (r?.status === 'executed') expect(validators.has(tool)).toBe(true);
    }
    expect(thrown).toBe(0);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(statuses.get('executed') ?? 0).toBeGreaterThan(0);

    // Every executed call's arguments satisfy the schema: re-check by hand, independently of ajv.
    for (const { tool, args } of ran) {
      const a = args as Record<string, unknown>;
      expect(Object.getPrototypeOf(a)).toBe(Object.prototype);
      expect(Object.hasOwn(a, '__proto__')).toBe(false);
      if (tool === 'send_money') {
        expect(typeof a.amount === 'number' && a.amount > 0 && Number.isFinite(a.amount)).toBe(true);
        expect(typeof a.recipient === 'string' && a.recipient.length >= 5 && a.recipient.length <= 34).toBe(true);
        expect(a.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(Object.keys(a).every((k) => ['recipient', 'amount', 'subject', 'date'].includes(k))).toBe(true);
      } else {
        expect(Array.isArray(a.recipients) && a.recipients.length > 0).toBe(true);
      }
    }
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    // Bounded heap: replaying the same 10,000 calls again and again must not accumulate anything.
    const heapAfterPass = async (): Promise<number> => {
      for (const [tool, args] of samples) await runner.call(tool, args);
      ran.length = 0;
      gc();
      return process.memoryUsage().heapUsed;
    };
    const second = await heapAfterPass();
    const third = await heapAfterPass();
    const fourth = await heapAfterPass();
    const growthMiB = (Math.max(third, fourth) - second) / 2 ** 20;
    // For docs/reliability.md: what this run saw (printed; the assertion is the bound below).
    console.log(
      `[reliability] fuzz: ${JSON.stringify(Object.fromEntries(statuses))}, heap growth over 30,000 replayed calls ${growthMiB.toFixed(2)} MiB`,
    );
    expect(growthMiB).toBeLessThan(4);
  });
});
