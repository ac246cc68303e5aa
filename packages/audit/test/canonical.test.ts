// RFC 8785 (JCS): the hash chain hashes each record's canonical JSON. Records built by intentEntry/outcomeEntry
// are serialized with JSON.stringify (their objects are built in canonical key order); everything else, and
// `verify`, uses core's canonicalJson. Both are held to the RFC's published test vectors here.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { canonicalJson, type GateContext, type GateResult, type Json } from '@tollgate/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AuditEntry,
  GENESIS,
  intentEntry,
  outcomeEntry,
  Redactor,
  recordHash,
  recordLine,
  sealRecord,
  verifyRecords,
} from '../src/index.js';

const dir = new URL('./fixtures/rfc8785/', import.meta.url);
const VECTORS = ['arrays', 'french', 'structures', 'unicode', 'values', 'weird'].map((name) => ({
  name,
  input: JSON.parse(readFileSync(new URL(`${name}.input`, dir), 'utf8')) as Json,
  output: readFileSync(new URL(`${name}.output`, dir)),
}));

/** RFC 8785 Appendix B: IEEE-754 bit patterns and how they serialize. */
const APPENDIX_B: [string, string][] = [
  ['0000000000000000', '0'],
  ['8000000000000000', '0'],
  ['0000000000000001', '5e-324'],
  ['8000000000000001', '-5e-324'],
  ['7fefffffffffffff', '1.7976931348623157e+308'],
  ['ffefffffffffffff', '-1.7976931348623157e+308'],
  ['4340000000000000', '9007199254740992'],
  ['c340000000000000', '-9007199254740992'],
  ['4430000000000000', '295147905179352830000'],
  ['44b52d02c7e14af5', '9.999999999999997e+22'],
  ['44b52d02c7e14af6', '1e+23'],
  ['44b52d02c7e14af7', '1.0000000000000001e+23'],
  ['444b1ae4d6e2ef4e', '999999999999999700000'],
  ['444b1ae4d6e2ef4f', '999999999999999900000'],
  ['444b1ae4d6e2ef50', '1e+21'],
  ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
  ['3eb0c6f7a0b5ed8d', '0.000001'],
  ['41b3de4355555553', '333333333.3333332'],
  ['41b3de4355555554', '333333333.33333325'],
  ['41b3de4355555555', '333333333.3333333'],
  ['41b3de4355555556', '333333333.3333334'],
  ['41b3de4355555557', '333333333.33333343'],
  ['becbf647612f3696', '-0.0000033333333333333333'],
  ['43143ff3c1cb0959', '1424953923781206.2'],
];
const APPENDIX_B_ERRORS = ['7fffffffffffffff', '7ff0000000000000'];

function fromHex(hex: string): number {
  return new Float64Array(new BigUint64Array([BigInt(`0x${hex}`)]).buffer)[0]!;
}

function toHex(n: number): string {
  return new BigUint64Array(new Float64Array([n]).buffer)[0]!.toString(16);
}

/**
 * The number test sequence of the RFC author's test data: 168 fixed values, 2,000 consecutive subnormal-edge
 * values, then doubles drawn from a SHA-256 chain (zeros and non-finite ones skipped).
 */
function numberSequence(count: number): number[] {
  const fixed = (JSON.parse(readFileSync(new URL('numgen-static.json', dir), 'utf8')) as string[]).map(fromHex);
  const out: number[] = [];
  let block: Buffer = Buffer.alloc(32);
  let pool: number[] = [];
  for (let i = 0; out.length < count; i++) {
    if (i < fixed.length) out.push(fixed[i]!);
    else if (i < fixed.length + 2000) out.push(fromHex((0x0010000000000000n + BigInt(i - fixed.length)).toString(16)));
    else {
      let f = 0;
      while (f === 0 || !Number.isFinite(f)) {
        if (pool.length === 0) {
          block = createHash('sha256').update(block).digest();
          pool = [...new Float64Array(block.buffer.slice(block.byteOffset, block.byteOffset + 32))];
        }
        f = pool.shift()!;
      }
      out.push(f);
    }
  }
  return out;
}

const redactor = new Redactor({ cardNumbers: false, patterns: [] });
const options = { redactor, maxValueChars: 1_000_000 };

function ctx(args: unknown): GateContext {
  return {
    tool: 'pay',
    args,
    callId: 'call-1',
    traceId: 'trace-1',
    actor: 'agent',
    tenant: undefined,
    session: undefined,
    clock: { now: () => 0 },
  } as unknown as GateContext;
}

/** An outcome entry whose args, result and one decision's data are `value`, as the audit gate builds it. */
function outcomeOf(value: unknown): AuditEntry {
  const result = {
    status: 'executed',
    reason: 'executed',
    message: 'Executed.',
    eventId: 'evt-1',
    decisions: [{ gate: 'g', stage: 'rule', outcome: 'allow', reason: 'ok', data: value }],
    result: value,
    timings: { startedAt: 0 },
  } as unknown as GateResult;
  return outcomeEntry(result, ctx(value), options);
}

/** The same entry as a plain object: not built here, so it is sealed through core's canonicalJson. */
function foreign(entry: AuditEntry): AuditEntry {
  return JSON.parse(JSON.stringify(entry)) as AuditEntry;
}

describe('RFC 8785 test vectors', () => {
  it.each(VECTORS)("core's canonicalJson writes $name exactly", ({ input, output }) => {
    expect(Buffer.from(canonicalJson(input))).toEqual(output);
  });

  it.each(VECTORS)(
    'a record built around $name holds it in canonical form, and hashes it canonically',
    ({ input, output }) => {
      const { record, line } = sealRecord(intentEntry(ctx({ v: input }), options), GENESIS);
      expect(line).toContain(`"args":{"v":${output.toString('utf8')}}`);
      expect(record.hash).toBe(recordHash(record));
      expect(line).toBe(recordLine(record));
    },
  );

  it('Appendix B: numbers serialize as the RFC lists them, in core and in records; NaN and Infinity are refused', () => {
    for (const [hex, text] of APPENDIX_B) {
      expect(canonicalJson(fromHex(hex)), hex).toBe(text);
      expect(sealRecord(intentEntry(ctx({ n: fromHex(hex) }), options), GENESIS).line, hex).toContain(
        `"args":{"n":${text}}`,
      );
    }
    for (const hex of APPENDIX_B_ERRORS) expect(() => canonicalJson(fromHex(hex))).toThrow();
  });

  it('the first 10,000 values of the published number test file hash to its published SHA-256', () => {
    const hash = createHash('sha256');
    for (const n of numberSequence(10_000)) hash.update(`${toHex(n)},${canonicalJson(n)}\n`);
    expect(hash.digest('hex')).toBe('b9f7a8e75ef22a835685a52ccba7f7d6bdc99e34b010992cbc5864cd12be6892');
  });

  it('sorts keys by UTF-16 code units, array-index keys included, and refuses lone surrogates', () => {
    const value = JSON.parse('{"b":1,"10":2,"9":3,"-x":4,"\\ud83d\\ude02":5,"\\ufb33":6,"\\u00e9":7}');
    const canonical = '{"-x":4,"10":2,"9":3,"b":1,"é":7,"\ud83d\ude02":5,"\ufb33":6}';
    expect(canonicalJson(value)).toBe(canonical);
    const { record, line } = sealRecord(intentEntry(ctx(value), options), GENESIS);
    expect(line).toContain(`"args":${canonical}`);
    expect(record.hash).toBe(recordHash(record));
    expect(() => canonicalJson('\ud800')).toThrow();
    expect(() => canonicalJson({ '\udc00': 1 })).toThrow();
  });
});

describe('records sealed with JSON.stringify', { timeout: 60_000 }, () => {
  // Values of every JSON shape, with keys that sort differently as UTF-16 and as code points, index-like keys,
  // escapes, -0 and large and tiny numbers.
  const key = fc.oneof(
    fc.constantFrom('a', 'B', '_', '-', '10', '9', '0', '01', '\u00e9', '\ufb33', '\ud83d\ude02', '', '__proto__'),
    fc.string({ maxLength: 4, unit: 'binary' }),
  );
  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.double(),
      fc.integer(),
      fc.string({ maxLength: 6, unit: 'binary' }),
      fc.boolean(),
      fc.constant(null),
      tie('object'),
      tie('array'),
    ),
    object: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
    array: fc.array(tie('value'), { maxLength: 4 }),
  })).value;

  it('property: hash and line equal those of core’s canonicalJson on the same record', () => {
    fc.assert(
      fc.property(json, (value) => {
        const entry = outcomeOf(value);
        const fast = sealRecord(entry, { seq: 4, hash: 'a'.repeat(64) });
        const general = sealRecord(foreign(entry), { seq: 4, hash: 'a'.repeat(64) });
        expect(fast.line).toBe(general.line);
        expect(fast.record.hash).toBe(recordHash(fast.record));
        expect(fast.line).toBe(recordLine(fast.record));
        expect(verifyRecords([sealRecord(entry, GENESIS).line]).ok).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('recordedBy and a shadow decision’s enforced: false are sealed in canonical order, inside the hash', () => {
    const by = { ...options, recordedBy: 'payments-api@host-3' };
    const result = {
      status: 'executed',
      reason: 'executed',
      message: 'Executed.',
      eventId: 'evt-1',
      decisions: [{ gate: 'g', stage: 'rule', outcome: 'block', reason: 'would', data: { a: 1 }, enforced: false }],
      timings: { startedAt: 0 },
    } as unknown as GateResult;
    for (const entry of [outcomeEntry(result, ctx({ x: 1 }), by), intentEntry(ctx({ x: 1 }), by)]) {
      const fast = sealRecord(entry, GENESIS);
      expect(fast.line).toBe(sealRecord(foreign(entry), GENESIS).line);
      expect(fast.record.recordedBy).toBe('payments-api@host-3');
      expect(verifyRecords([fast.line]).ok).toBe(true);
      const forged = fast.line.replace('payments-api@host-3', 'someone-else');
      expect(verifyRecords([forged]).ok).toBe(false);
    }
    expect(sealRecord(outcomeEntry(result, ctx({ x: 1 }), by), GENESIS).line).toContain(
      '"decisions":[{"data":{"a":1},"enforced":false,"gate":"g"',
    );
  });

  it('an entry changed after it was built is sealed from what it holds', () => {
    const entry = intentEntry(ctx({ amount: 1 }), options);
    (entry as unknown as Record<string, unknown>).extra = { z: 1, a: 2 };
    const { record, line } = sealRecord(entry, GENESIS);
    expect(line).toContain('"extra":{"a":2,"z":1}');
    expect(record.hash).toBe(recordHash(record));
  });
});
