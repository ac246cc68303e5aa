import { GatedToolRunner, MAX_ARGUMENT_DEPTH, parseArguments } from '@tollgate/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { echoTool } from './helpers.js';

describe('argument validation', () => {
  it('blocks JSON that does not parse, and says why', async () => {
    const { tool, runs } = echoTool();
    const r = await new GatedToolRunner({ tools: [tool] }).call('pay', '{"amount": 10, "to": ');
    expect(r).toMatchObject({ status: 'blocked', blockedBy: 'validation', reason: 'invalid_json' });
    expect(r.message).toMatch(/not valid JSON/);
    expect(runs).toHaveLength(0);
  });

  it('blocks arguments that are not an object', async () => {
    const runner = new GatedToolRunner({ tools: [echoTool().tool] });
    for (const raw of ['[1,2]', '"text"', '42', 'null', [1], 7, null]) {
      const r = await runner.call('pay', raw);
      expect(r).toMatchObject({ status: 'blocked', reason: 'invalid_arguments' });
      expect(r.message).toMatch(/must be a JSON object/);
    }
  });

  it('lists every failing path in one message', async () => {
    const r = await new GatedToolRunner({ tools: [echoTool().tool] }).call('pay', { amount: -3, extra: true });
    expect(r.reason).toBe('invalid_arguments');
    expect(r.message).toContain('/to: is required');
    expect(r.message).toContain('/extra: is not an allowed property');
    expect(r.message).toContain('/amount: must be >= 0');
    expect(r.decisions).toEqual([expect.objectContaining({ gate: 'validation', outcome: 'block' })]);
  });

  it('names allowed values for enums and checks formats', async () => {
    const runner = new GatedToolRunner({
      tools: [
        {
          name: 'schedule',
          parameters: {
            type: 'object',
            properties: { env: { enum: ['staging', 'production'] }, date: { type: 'string', format: 'date' } },
          },
          handler: () => 'ok',
        },
      ],
    });
    const r = await runner.call('schedule', { env: 'prod', date: '2024-13-45' });
    expect(r.message).toContain('/env: must be one of ["staging","production"]');
    expect(r.message).toContain('/date: must match format "date"');
    expect((await runner.call('schedule', { env: 'staging', date: '2024-05-30' })).status).toBe('executed');
  });

  it('treats an empty string as no arguments (some providers send it for parameterless tools)', async () => {
    const runner = new GatedToolRunner({ tools: [{ name: 'now', parameters: { type: 'object' }, handler: () => 1 }] });
    expect((await runner.call('now', '')).status).toBe('executed');
    expect((await runner.call('now', undefined)).status).toBe('executed');
  });

  it('never lets __proto__ keys reach a handler or pollute a prototype', async () => {
    const runner = new GatedToolRunner({
      tools: [{ name: 'open', parameters: { type: 'object' }, handler: (a) => a }],
    });
    for (const raw of ['{"__proto__": {"polluted": true}}', '{"a": {"b": [{"__proto__": {"polluted": 1}}]}}']) {
      const r = await runner.call('open', raw);
      expect(r).toMatchObject({ status: 'blocked', reason: 'invalid_arguments' });
      expect(r.message).toContain('__proto__ is a forbidden key');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // An object literal with __proto__ sets a prototype instead of a key: refused as not plain.
    const r = await runner.call('open', { __proto__: { isAdmin: true } });
    expect(r.reason).toBe('invalid_arguments');
  });

  it('refuses values JSON cannot hold, and nesting deeper than the bound', async () => {
    const runner = new GatedToolRunner({ tools: [{ name: 'open', parameters: { type: 'object' }, handler: () => 1 }] });
    expect((await runner.call('open', { f: () => 1 })).message).toMatch(/function/);
    expect((await runner.call('open', { n: Number.NaN })).message).toMatch(/finite/);
    expect((await runner.call('open', { d: new Date() })).message).toMatch(/plain JSON object/);
    const deep = `${'{"a":'.repeat(MAX_ARGUMENT_DEPTH + 5)}1${'}'.repeat(MAX_ARGUMENT_DEPTH + 5)}`;
    expect((await runner.call('open', deep)).message).toMatch(/nested deeper/);
    const veryDeep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect((await runner.call('open', `{"x":${veryDeep}}`)).status).toBe('blocked');
  });

  it('rejects unknown keywords in strict mode at registration, not at call time', () => {
    expect(
      () =>
        new GatedToolRunner({
          tools: [
            {
              name: 't',
              parameters: { type: 'object', properties: { a: { type: 'string', maxLenght: 3 } } },
              handler: () => 1,
            },
          ],
        }),
    ).toThrow(/strict mode: unknown keyword: "maxLenght"/);
  });
});

describe('properties over arbitrary input', () => {
  const schema = {
    type: 'object',
    properties: {
      amount: { type: 'number', minimum: 0, maximum: 1_000_000 },
      to: { type: 'string', pattern: '^[A-Z]{2}[0-9]{2,30}$' },
      memo: { type: 'string', maxLength: 140 },
    },
    required: ['amount', 'to'],
    additionalProperties: false,
  };
  const valid = (a: unknown): boolean => {
    if (typeof a !== 'object' || a === null || Array.isArray(a)) return false;
    const o = a as Record<string, unknown>;
    const keys = Object.keys(o);
    if (!keys.every((k) => ['amount', 'to', 'memo'].includes(k))) return false;
    if (typeof o.amount !== 'number' || o.amount < 0 || o.amount > 1_000_000) return false;
    if (typeof o.to !== 'string' || !/^[A-Z]{2}[0-9]{2,30}$/.test(o.to)) return false;
    return o.memo === undefined || (typeof o.memo === 'string' && o.memo.length <= 140);
  };

  it('the handler runs only on valid arguments, and call() never throws', async () => {
    let bad = 0;
    const runner = new GatedToolRunner({
      tools: [
        {
          name: 'pay',
          parameters: schema,
          handler: (args) => {
            if (!valid(args)) bad++;
            return 'ok';
          },
        },
      ],
    });
    const candidate = fc.oneof(
      fc.record(
        { amount: fc.double(), to: fc.string(), memo: fc.option(fc.string(), { nil: undefined }) },
        { requiredKeys: [] },
      ),
      fc.record({ amount: fc.integer({ min: 0, max: 1_000_000 }), to: fc.stringMatching(/^[A-Z]{2}[0-9]{2,8}$/) }),
      fc.jsonValue(),
      fc.json(),
      fc.string(),
      fc.anything(),
    );
    await fc.assert(
      fc.asyncProperty(candidate, async (raw) => {
        const r = await runner.call('pay', raw);
        expect(['executed', 'blocked']).toContain(r.status);
        const parsed = parseArguments(raw);
        expect(r.status === 'executed').toBe(parsed.ok && valid(parsed.args));
      }),
      { numRuns: 2000 },
    );
    expect(bad).toBe(0);
  });

  it('parseArguments never throws on any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const p = parseArguments(s);
        expect(typeof p.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});
