import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileCondition } from '../src/conditions.js';
import { compileGlob, loadRules, RuleGate } from '../src/index.js';
import { gateContext } from './support.js';

// Globs and `matches` regexes see model-supplied strings (actor, tenant, arguments), so matching must take linear
// time in the string's length (issue 11, defect 9). These tests check behaviour: the pathological inputs below took
// seconds to hours on a backtracking engine; here they simply have to answer. No wall-clock assertions.

/** The glob semantics as the backtracking implementation had them: the reference for the equivalence property. */
function referenceGlob(glob: string): RegExp {
  let source = '^';
  let inBraces = false;
  for (const ch of glob) {
    if (ch === '*') source += '[^]*';
    else if (ch === '?') source += '.';
    else if (ch === '{') {
      inBraces = true;
      source += '(?:';
    } else if (ch === '}') {
      inBraces = false;
      source += ')';
    } else if (ch === ',' && inBraces) source += '|';
    else source += /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
  }
  return new RegExp(`${source}$`, 'su');
}

const pathological = `svc-${'-'.repeat(3000)}`; // the 3,004-character actor

describe('globs match in linear time', () => {
  it('answers the issue’s case: svc-*-*-*-prod against a 3,004-character actor', () => {
    expect(pathological).toHaveLength(3004);
    expect(compileGlob('svc-*-*-*-prod').test(pathological)).toBe(false);
    expect(compileGlob('svc-*-*-*-prod').test(`${pathological}prod`)).toBe(true);
  });

  it('answers many stars against a megabyte-long name', () => {
    const name = 'a'.repeat(1_000_000);
    expect(compileGlob('*a*a*a*a*a*a*a*a*b').test(name)).toBe(false);
    expect(compileGlob('{*a,*b}*{a*,b*}*?c').test(name)).toBe(false);
    expect(compileGlob('*a*a*a*a*a*a*a*a*').test(name)).toBe(true);
  });

  it('through the rule gate: an actor glob on a hostile actor', async () => {
    const gate = new RuleGate({
      rules: loadRules({
        rules: [
          {
            id: 'prod-services',
            effect: 'block',
            reason: 'prod',
            message: 'No prod services.',
            match: { actor: 'svc-*-*-*-prod' },
          },
        ],
      }),
    });
    const verdict = await gate.check(gateContext('send_money', {}, { actor: pathological }), undefined);
    expect(verdict.outcome).toBe('allow');
    const blocked = await gate.check(gateContext('send_money', {}, { actor: `${pathological}prod` }), undefined);
    expect(blocked.outcome).toBe('block');
  });

  it('means what the backtracking implementation meant (arbitrary globs and names)', () => {
    const char = fc.constantFrom('a', 'b', '-', '.', '\n', '😀', '+', '(', '\\');
    const piece = fc.oneof(
      { weight: 4, arbitrary: char },
      { weight: 2, arbitrary: fc.constantFrom('*', '?') },
      {
        weight: 1,
        arbitrary: fc
          .array(fc.array(fc.oneof(char, fc.constantFrom('*', '?')), { maxLength: 3 }), { minLength: 1, maxLength: 3 })
          .map((alternatives) => `{${alternatives.map((a) => a.join('')).join(',')}}`),
      },
    );
    const glob = fc.array(piece, { maxLength: 8 }).map((pieces) => pieces.join(''));
    const name = fc.array(fc.constantFrom('a', 'b', '-', '.', '\n', '😀', '+', '(', '\\', '\ud800'), { maxLength: 10 });
    fc.assert(
      fc.property(glob, name, (g, chars) => {
        const n = chars.join('');
        expect(compileGlob(g).test(n)).toBe(referenceGlob(g).test(n));
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses unbalanced or nested braces', () => {
    expect(() => compileGlob('a{b')).toThrow(/unclosed/);
    expect(() => compileGlob('a}b')).toThrow(/without/);
    expect(() => compileGlob('{a,{b}}')).toThrow(/nest/);
  });
});

describe('`matches` runs on a linear-time engine (RE2)', () => {
  const matches = (value: string, flags?: string) =>
    compileCondition({ path: '/s', op: 'matches', value, ...(flags ? { flags } : {}) }, '/when');

  it('answers catastrophic-backtracking patterns on long strings', () => {
    const long = `${'a'.repeat(100_000)}!`;
    expect(matches('^(a+)+$')({ s: long })).toBe(false);
    expect(matches('(a|aa)*b')({ s: long })).toBe(false);
    expect(matches('^(a|a?)+$')({ s: long })).toBe(false);
    expect(matches('(.*a){12}!')({ s: long })).toBe(true);
    expect(matches('^(\\w+\\s?)*$')({ s: `${'word '.repeat(20_000)}!` })).toBe(false);
  });

  it('refuses at load time what RE2 cannot run in linear time: lookaround and backreferences', () => {
    for (const value of ['(?=a)b', '(?!a)b', '(a)\\1', '(?<=a)b']) {
      expect(() => matches(value), value).toThrow(/RE2|linear/);
    }
    const err = (() => {
      try {
        loadRules({
          rules: [
            {
              id: 'r',
              effect: 'block',
              reason: 'x',
              message: 'x',
              when: { path: '/a', op: 'matches', value: '(a)\\1' },
            },
          ],
        });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).toMatch(/\/rules\/0\/when\/value/);
  });

  it('accepts JavaScript spellings RE2 spells differently', () => {
    expect(matches('^(?<cc>[A-Z]{2})\\d+$')({ s: 'DE12' })).toBe(true);
    expect(matches('^a[^]b$')({ s: 'a\nb' })).toBe(true);
    expect(matches('^https:\\/\\/x$')({ s: 'https://x' })).toBe(true);
  });

  it('means what JavaScript RegExp meant on the syntax both share (arbitrary patterns, flags and strings)', () => {
    const atom = fc.constantFrom(
      'a',
      'b',
      'A',
      '1',
      '-',
      ' ',
      '.',
      '\\d',
      '\\w',
      '\\W',
      '\\b',
      '[ab]',
      '[^a]',
      '[a-c]',
    );
    const regex: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        atom,
        fc.tuple(tie('node'), tie('node')).map(([x, y]) => x + y),
        fc.tuple(tie('node'), tie('node')).map(([x, y]) => `(?:${x}|${y})`),
        fc.tuple(tie('node'), fc.constantFrom('*', '+', '?', '{1,3}', '{2}', '*?', '+?')).map(([x, q]) => `(${x})${q}`),
        fc.constantFrom('^', '$'),
      ),
    })).node;
    const flags = fc.subarray(['i', 'm', 's', 'u']).map((f) => f.join(''));
    const input = fc.array(fc.constantFrom('a', 'b', 'A', 'B', '1', '-', ' ', '\n', '_'), { maxLength: 10 });
    fc.assert(
      fc.property(regex, flags, input, (source, f, chars) => {
        const s = chars.join('');
        expect(matches(source, f)({ s }), `/${source}/${f} on ${JSON.stringify(s)}`).toBe(
          new RegExp(source, f).test(s),
        );
      }),
      { numRuns: 3000 },
    );
  });
});
