import { canonicalJson, type GateContext, type Json } from '@tollgate/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GENESIS, intentEntry, REDACTED, Redactor, seal } from '../src/index.js';

const redactor = new Redactor();

function entryArgs(args: unknown, maxValueChars: number) {
  const ctx = {
    tool: 'pay',
    args,
    callId: 'call-1',
    traceId: 'trace-1',
    actor: undefined,
    tenant: undefined,
    session: undefined,
    clock: { now: () => 0 },
  } as unknown as GateContext;
  return intentEntry(ctx, { redactor, maxValueChars }).args;
}

describe('entry values', { timeout: 60_000 }, () => {
  it('are the redacted value when its JSON fits, else the start of its redacted JSON and its original length', () => {
    const secretish = fc.constantFrom(
      'sk-proj-Q7xT2mVb9LkWc4Rz8NpY3sHd',
      'token=abc',
      '4111 1111 1111 1111',
      '\u00e9\n"',
    );
    const value = fc.letrec((tie) => ({
      json: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 2 }), secretish, tie('obj'), tie('arr')),
      obj: fc.dictionary(
        fc.oneof(fc.constantFrom('note', 'api_key', 'Password', 'to', 'x', '10', '9'), secretish),
        tie('json'),
        {
          maxKeys: 4,
        },
      ),
      arr: fc.array(tie('json'), { maxLength: 4 }),
    })).json;
    fc.assert(
      fc.property(value, fc.integer({ min: 64, max: 400 }), (v, max) => {
        // The whole value redacted, in RFC 8785 form: what a record holds when it fits.
        const json = canonicalJson(redactor.redact(v as Json));
        const args = entryArgs(v, max);
        if (json.length <= max) {
          expect(canonicalJson(args)).toBe(json);
        } else {
          expect(args).toMatchObject({ truncated: true, chars: JSON.stringify(v).length });
          const { preview } = args as { preview: string };
          expect(preview.length).toBeLessThanOrEqual(max);
          expect(json.startsWith(preview)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('mask values under secret keys whole, inside non-JSON values too', () => {
    const args = {
      when: new Date(0),
      failure: new Error('password=hunter2'),
      tags: new Set(['token=abc']),
      byName: new Map([['api_key', { deep: 'x' }]]),
      nested: { Authorization: ['Bearer abc'] },
    };
    expect(entryArgs(args, 4096)).toEqual({
      when: '1970-01-01T00:00:00.000Z',
      failure: { name: 'Error', message: `password=${REDACTED}` },
      tags: [`token=${REDACTED}`],
      byName: { api_key: REDACTED },
      nested: { Authorization: REDACTED },
    });
  });

  it('replace lone surrogates in keys and strings with U+FFFD, so the record can be canonicalized and sealed', () => {
    const args = { ['k\uD800']: 'a\uDC00b', pair: '\uD83D\uDE00', list: ['\uDBFF'] };
    expect(entryArgs(args, 4096)).toEqual({ 'k\uFFFD': 'a\uFFFDb', pair: '\uD83D\uDE00', list: ['\uFFFD'] });
    const ctx = { tool: '\uD800', args, callId: 'c', traceId: 't', clock: { now: () => 0 } } as unknown as GateContext;
    expect(seal(intentEntry(ctx, { redactor, maxValueChars: 4096 }), GENESIS).tool).toBe('\uFFFD');
  });
});
