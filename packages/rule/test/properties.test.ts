import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ComparisonJson,
  type ConditionJson,
  compareDecimal,
  loadRules,
  RULE_EFFECTS,
  type RuleDecisionData,
  RuleGate,
  type RuleJson,
} from '../src/index.js';
import { gateContext, runnerWith } from './support.js';

const decimalString = fc
  .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.nat({ max: 6 }))
  .map(([negative, digits, scale]) => toDecimalString(negative ? -digits : digits, scale));

function toDecimalString(units: bigint, scale: number): string {
  const sign = units < 0n ? '-' : '';
  const text = (units < 0n ? -units : units).toString().padStart(scale + 1, '0');
  return scale === 0 ? `${sign}${text}` : `${sign}${text.slice(0, -scale)}.${text.slice(-scale)}`;
}

const path = fc.constantFrom('', '/a', '/a/0', '/b', '/b/x', '/a~1b', '/m~0n', '/n', '/list/1');
const numeric = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), decimalString);
const comparison: fc.Arbitrary<ComparisonJson> = fc.oneof(
  fc.record({ path, op: fc.constantFrom('eq' as const, 'neq' as const, 'contains' as const), value: fc.jsonValue() }),
  fc.record({
    path,
    op: fc.constantFrom('in' as const, 'not_in' as const),
    value: fc.array(fc.jsonValue(), { maxLength: 3 }),
  }),
  fc.record({
    path,
    op: fc.constantFrom('gt' as const, 'gte' as const, 'lt' as const, 'lte' as const),
    value: numeric,
  }),
  fc.record({ path, op: fc.constant('matches' as const), value: fc.constantFrom('^a', 'b$', '\\d+', '(x|y)*z') }),
  fc.record({ path, op: fc.constant('starts_with' as const), value: fc.string({ maxLength: 3 }) }),
  fc.record({ path, op: fc.constant('exists' as const), value: fc.boolean() }),
);
const { condition } = fc.letrec<{ condition: ConditionJson }>((tie) => ({
  condition: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    comparison,
    fc.record({ all: fc.array(tie('condition'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ any: fc.array(tie('condition'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie('condition') }),
  ),
}));
const effect = fc.constantFrom(...RULE_EFFECTS);
const rulesJson: fc.Arbitrary<RuleJson[]> = fc
  .array(
    fc.record(
      {
        effect,
        match: fc.record(
          { tool: fc.constantFrom('send_*', '*', 'deploy.{prod,staging}'), roles: fc.constant({ any: ['admin'] }) },
          { requiredKeys: [] },
        ),
        when: condition,
      },
      { requiredKeys: ['effect'] },
    ),
    { maxLength: 8 },
  )
  .map((rules) => rules.map((r, i) => ({ id: `r${i}`, reason: `reason_${i}`, message: `message ${i}`, ...r })));

/** Arguments that often hit the generated paths, with anything JSON in them. */
const args = fc
  .tuple(
    fc.record(
      {
        a: fc.oneof(fc.jsonValue(), fc.array(fc.string({ maxLength: 3 }))),
        b: fc.jsonValue(),
        'a/b': numeric,
        'm~n': fc.string({ maxLength: 4 }),
        n: numeric,
        list: fc.array(fc.jsonValue(), { maxLength: 3 }),
      },
      { requiredKeys: [] },
    ),
    fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue(), { maxKeys: 3 }),
  )
  .map(([known, extra]) => ({ ...extra, ...known }) as Record<string, unknown>);

const tool = fc.constantFrom('send_money', 'deploy.prod', 'read_balance');
const roles = fc.subarray(['admin', 'ops']);
const RANK = { allow: 0, require_approval: 1, block: 2 } as const;

describe('properties', () => {
  it('for arbitrary rules and args the gate never throws, and decides by precedence over what matched', () => {
    fc.assert(
      fc.property(rulesJson, effect, args, tool, roles, (json, defaultEffect, callArgs, name, held) => {
        const gate = new RuleGate({ rules: loadRules({ rules: json }), defaultEffect });
        const verdict = gate.check(gateContext(name, callArgs, { roles: held }));
        const data = verdict.data as RuleDecisionData;
        expect(RULE_EFFECTS).toContain(verdict.outcome);
        expect(data.evaluated).toBe(json.length);
        const strongest = data.matched.reduce<(typeof RULE_EFFECTS)[number] | undefined>(
          (best, m) => (best === undefined || RANK[m.effect] > RANK[best] ? m.effect : best),
          undefined,
        );
        expect(verdict.outcome).toBe(strongest ?? defaultEffect);
        const decider = data.matched.find((m) => m.effect === strongest);
        expect(verdict.reason).toBe(decider ? decider.reason : defaultEffect === 'allow' ? 'ok' : 'no_rule_matched');
        // Rules are pure: a dry run gives the same verdict.
        expect(gate.check(gateContext(name, callArgs, { roles: held, dryRun: true }))).toEqual(verdict);
      }),
      { numRuns: 300 },
    );
  });

  it('a block rule matching everything blocks, wherever it sits among other rules', () => {
    const stop: RuleJson = { id: 'stop', effect: 'block', reason: 'stopped', message: 'Stopped.' };
    fc.assert(
      fc.property(rulesJson, fc.nat(), effect, args, tool, (json, at, defaultEffect, callArgs, name) => {
        const rules = [...json];
        rules.splice(at % (rules.length + 1), 0, stop);
        const gate = new RuleGate({ rules: loadRules({ rules }), defaultEffect });
        const verdict = gate.check(gateContext(name, callArgs));
        expect(verdict.outcome).toBe('block');
        expect((verdict.data as RuleDecisionData).matched).toContainEqual({
          id: 'stop',
          effect: 'block',
          reason: 'stopped',
        });
      }),
      { numRuns: 200 },
    );
  });

  it('through the runner, arbitrary JSON args always end as a valid result', async () => {
    const rules = loadRules({
      rules: [
        {
          id: 'big',
          effect: 'block',
          reason: 'big',
          message: 'Too big.',
          when: { path: '/n', op: 'gt', value: '1000' },
        },
        { id: 'a', effect: 'require_approval', reason: 'a', message: 'Check a.', when: { path: '/a/0', op: 'exists' } },
      ],
    });
    const runner = runnerWith([new RuleGate({ rules })]);
    await fc.assert(
      fc.asyncProperty(args, async (callArgs) => {
        const result = await runner.check('send_money', callArgs);
        expect(['allowed', 'blocked', 'approval_required']).toContain(result.status);
      }),
      { numRuns: 100 },
    );
  });

  it('compareDecimal agrees with exact integer arithmetic', () => {
    const value = fc.tuple(fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }), fc.nat({ max: 8 }));
    fc.assert(
      fc.property(value, value, ([x, sx], [y, sy]) => {
        // x / 10^sx vs y / 10^sy, cross-multiplied.
        const left = x * 10n ** BigInt(sy);
        const right = y * 10n ** BigInt(sx);
        const expected = left === right ? 0 : left < right ? -1 : 1;
        expect(compareDecimal(toDecimalString(x, sx), toDecimalString(y, sy))).toBe(expected);
      }),
    );
  });

  it('compareDecimal takes a number as its shortest decimal form', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        expect(compareDecimal(n, String(n))).toBe(0);
        expect(compareDecimal(n, n)).toBe(0);
      }),
    );
  });
});
