import { describe, expect, it } from 'vitest';
import { loadRules, RuleGate, ruleReferences } from '../src/index.js';

const rules = loadRules({
  rules: [
    {
      id: 'big',
      effect: 'require_approval',
      reason: 'big',
      message: 'Big.',
      match: { tool: 'send_*' },
      when: {
        all: [{ path: '/amount', op: 'gt', value: 100 }, { not: { path: '/to/iban', op: 'starts_with', value: 'GB' } }],
      },
    },
    {
      id: 'mail',
      effect: 'block',
      reason: 'mail',
      message: 'No.',
      match: { tool: ['send_email', 'reply_email'] },
      when: {
        any: [
          { path: '/a~1b', op: 'exists' },
          { path: '/items/0', op: 'eq', value: 1 },
        ],
      },
    },
    { id: 'all-tools', effect: 'allow', reason: 'ok_all', message: 'Fine.' },
  ],
});

describe('ruleReferences', () => {
  it('lists the tool globs and argument paths each JSON rule names, in document order', () => {
    expect(ruleReferences(rules)).toEqual([
      { id: 'big', tools: ['send_*'], paths: [['amount'], ['to', 'iban']] },
      { id: 'mail', tools: ['send_email', 'reply_email'], paths: [['a/b'], ['items', '0']] },
      { id: 'all-tools', paths: [] },
    ]);
  });

  it("reads a rule gate's rules, leaving out predicates in code, which name nothing readable", () => {
    const gate = new RuleGate({
      rules: [...rules, { id: 'code', effect: 'block', reason: 'code', message: 'No.', when: () => false }],
    });
    expect(ruleReferences(gate).map((r) => r.id)).toEqual(['big', 'mail', 'all-tools']);
    expect(ruleReferences({ stage: 'rate' })).toEqual([]);
  });

  it('keeps the references frozen and out of the rule’s enumerable fields', () => {
    const [first] = ruleReferences(rules);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.keys(rules[0]!)).toEqual(['id', 'effect', 'reason', 'message', 'when']);
  });
});
