import { describe, expect, it } from 'vitest';
import { type ConditionJson, loadRules } from '../src/index.js';
import { gateContext } from './support.js';

/** Whether `condition` holds for `args`, through a loaded rule (the only way conditions are built). */
function holds(condition: ConditionJson, args: Record<string, unknown>): boolean {
  const [rule] = loadRules({ rules: [{ id: 'r', effect: 'block', reason: 'r', message: 'm', when: condition }] });
  return rule!.when(gateContext('t', args), { action: 't' });
}

const args = {
  amount: '1250.50',
  count: 3,
  currency: 'EUR',
  to: { iban: 'DE89370400440532013000', name: 'Ada' },
  tags: ['urgent', 'payroll', 7],
  'a/b': { '~k': 'slash-tilde' },
  note: null,
  nested: { list: [{ x: 1 }, { x: 2 }] },
};

describe('comparison operators', () => {
  it.each<[string, ConditionJson, boolean]>([
    ['eq string', { path: '/currency', op: 'eq', value: 'EUR' }, true],
    ['eq is type-sensitive', { path: '/count', op: 'eq', value: '3' }, false],
    [
      'eq deep object, key order ignored',
      { path: '/to', op: 'eq', value: { name: 'Ada', iban: 'DE89370400440532013000' } },
      true,
    ],
    ['eq null', { path: '/note', op: 'eq', value: null }, true],
    ['neq', { path: '/currency', op: 'neq', value: 'USD' }, true],
    ['neq on a missing path is false', { path: '/missing', op: 'neq', value: 'USD' }, false],
    ['in', { path: '/currency', op: 'in', value: ['USD', 'EUR'] }, true],
    ['in (absent)', { path: '/currency', op: 'in', value: ['USD', 'GBP'] }, false],
    ['not_in', { path: '/currency', op: 'not_in', value: ['USD', 'GBP'] }, true],
    ['not_in on a missing path is false', { path: '/missing', op: 'not_in', value: ['USD'] }, false],
    ['gt decimal string vs decimal string', { path: '/amount', op: 'gt', value: '1250.49' }, true],
    ['gt exact to the cent', { path: '/amount', op: 'gt', value: '1250.50' }, false],
    ['gte equal', { path: '/amount', op: 'gte', value: 1250.5 }, true],
    ['lt', { path: '/amount', op: 'lt', value: '1250.51' }, true],
    ['lte equal with trailing zeros', { path: '/amount', op: 'lte', value: '1250.500' }, true],
    ['gt number vs number', { path: '/count', op: 'gt', value: 2 }, true],
    ['gt on a non-numeric string is false', { path: '/currency', op: 'gt', value: 0 }, false],
    ['lt on a non-numeric string is false too', { path: '/currency', op: 'lt', value: 0 }, false],
    ['matches', { path: '/to/iban', op: 'matches', value: '^DE\\d{20}$' }, true],
    ['matches with flags', { path: '/currency', op: 'matches', value: '^eur$', flags: 'i' }, true],
    ['matches on a number is false', { path: '/count', op: 'matches', value: '3' }, false],
    ['contains substring', { path: '/to/name', op: 'contains', value: 'd' }, true],
    ['contains array element', { path: '/tags', op: 'contains', value: 'payroll' }, true],
    ['contains array element by JSON equality', { path: '/tags', op: 'contains', value: 7 }, true],
    ['contains on an object is false', { path: '/to', op: 'contains', value: 'Ada' }, false],
    ['contains a number in a string is false', { path: '/currency', op: 'contains', value: 1 }, false],
    ['starts_with', { path: '/to/iban', op: 'starts_with', value: 'DE89' }, true],
    ['starts_with on an array is false', { path: '/tags', op: 'starts_with', value: 'urgent' }, false],
    ['exists', { path: '/to/name', op: 'exists' }, true],
    ['exists on null', { path: '/note', op: 'exists' }, true],
    ['exists false on a missing path', { path: '/to/bic', op: 'exists', value: false }, true],
    ['exists false on a present path', { path: '/to/name', op: 'exists', value: false }, false],
    ['pointer escapes ~1 and ~0', { path: '/a~1b/~0k', op: 'eq', value: 'slash-tilde' }, true],
    ['pointer through arrays', { path: '/nested/list/1/x', op: 'eq', value: 2 }, true],
    ['root pointer', { path: '', op: 'exists' }, true],
  ])('%s', (_name, condition, expected) => {
    expect(holds(condition, args)).toBe(expected);
  });
});

describe('combinators', () => {
  const big = { path: '/amount', op: 'gt', value: '1000' } as const;
  const eur = { path: '/currency', op: 'eq', value: 'EUR' } as const;
  const usd = { path: '/currency', op: 'eq', value: 'USD' } as const;

  it.each<[string, ConditionJson, boolean]>([
    ['all true', { all: [big, eur] }, true],
    ['all with one false', { all: [big, usd] }, false],
    ['any with one true', { any: [usd, eur] }, true],
    ['any all false', { any: [usd, { not: big }] }, false],
    ['not', { not: usd }, true],
    ['not of a missing path is true', { not: { path: '/missing', op: 'eq', value: 1 } }, true],
    ['nested all/any/not', { all: [big, { any: [usd, { not: { all: [eur, { not: big }] } }] }] }, true],
    ['nested, false', { any: [{ all: [usd, big] }, { not: { any: [eur, usd] } }] }, false],
  ])('%s', (_name, condition, expected) => {
    expect(holds(condition, args)).toBe(expected);
  });
});
