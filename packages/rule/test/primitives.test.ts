import { describe, expect, it } from 'vitest';
import { compareDecimal, compileGlob, parseJsonPointer, resolveJsonPointer } from '../src/index.js';

describe('compileGlob', () => {
  it.each([
    ['send_*', 'send_money', true],
    ['send_*', 'send_', true],
    ['send_*', 'resend_money', false],
    ['send_?', 'send_x', true],
    ['send_?', 'send_xy', false],
    ['deploy.{prod,staging}', 'deploy.prod', true],
    ['deploy.{prod,staging}', 'deploy.staging', true],
    ['deploy.{prod,staging}', 'deploy.dev', false],
    ['deploy.prod', 'deployXprod', false],
    ['a+b(c)', 'a+b(c)', true],
    ['*', '', true],
    ['x{,y}', 'x', true],
    // `?` is any one character, a line break too, as `*` already matches any run of them.
    ['bob?', 'bob\n', true],
    ['a?c', 'a\u2028c', true],
  ])('%s on %s is %s', (glob, name, expected) => {
    expect(compileGlob(glob).test(name)).toBe(expected);
  });

  it('refuses unbalanced or nested braces', () => {
    expect(() => compileGlob('a{b')).toThrow(/unclosed/);
    expect(() => compileGlob('a}b')).toThrow(/without/);
    expect(() => compileGlob('{a,{b}}')).toThrow(/nest/);
  });
});

describe('JSON Pointer (RFC 6901)', () => {
  // The example document and pointers of RFC 6901 section 5.
  const doc = {
    foo: ['bar', 'baz'],
    '': 0,
    'a/b': 1,
    'c%d': 2,
    'e^f': 3,
    'g|h': 4,
    'i\\j': 5,
    'k"l': 6,
    ' ': 7,
    'm~n': 8,
  };
  it.each([
    ['', doc],
    ['/foo', ['bar', 'baz']],
    ['/foo/0', 'bar'],
    ['/', 0],
    ['/a~1b', 1],
    ['/c%d', 2],
    ['/e^f', 3],
    ['/g|h', 4],
    ['/i\\j', 5],
    ['/k"l', 6],
    ['/ ', 7],
    ['/m~0n', 8],
  ])('%s resolves', (pointer, expected) => {
    expect(resolveJsonPointer(doc, parseJsonPointer(pointer))).toEqual(expected);
  });

  it('unescapes ~1 before ~0, so ~01 is the key "~1"', () => {
    expect(parseJsonPointer('/~01')).toEqual(['~1']);
    expect(resolveJsonPointer({ '~1': 'tilde-one', '/': 'slash' }, parseJsonPointer('/~01'))).toBe('tilde-one');
  });

  it('does not resolve missing keys, bad indexes or prototype members', () => {
    for (const pointer of ['/nope', '/foo/2', '/foo/01', '/foo/-', '/foo/length', '/constructor', '/foo/0/x']) {
      expect(resolveJsonPointer(doc, parseJsonPointer(pointer))).toBeUndefined();
    }
  });

  it('refuses malformed pointers', () => {
    expect(() => parseJsonPointer('foo')).toThrow(SyntaxError);
    expect(() => parseJsonPointer('/a~2')).toThrow(SyntaxError);
    expect(() => parseJsonPointer('/a~')).toThrow(SyntaxError);
  });
});

describe('compareDecimal', () => {
  it.each([
    ['10.50', 10.5, 0],
    ['0.1', 0.1, 0],
    [0.30000000000000004, '0.3', 1],
    ['100.00', '100', 0],
    ['100.01', '100', 1],
    ['-5', '3', -1],
    ['-5', '-7', 1],
    ['0.000', '-0', 0],
    ['1e3', 1000, 0],
    ['1E-2', '0.01', 0],
    [1e21, '999999999999999999999', 1],
    ['12345678901234567890.01', '12345678901234567890.02', -1],
    ['+7', 7, 0],
  ])('%s vs %s is %s', (a, b, expected) => {
    expect(compareDecimal(a, b)).toBe(expected);
  });

  it('is undefined for anything not numeric', () => {
    for (const value of [
      'abc',
      '',
      ' 1',
      '1,5',
      '.5',
      'NaN',
      Number.NaN,
      Number.POSITIVE_INFINITY,
      null,
      true,
      [1],
      {},
    ]) {
      expect(compareDecimal(value, 1)).toBeUndefined();
    }
  });
});
