import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DECIMAL_PATTERN,
  loadRules,
  loadRulesFile,
  OPERATORS,
  RULES_SCHEMA,
  RULES_SCHEMA_ID,
  RuleGate,
  RuleLoadError,
} from '../src/index.js';
import { gateContext, runnerWith } from './support.js';

const base = { id: 'r1', effect: 'block', reason: 'too_big', message: 'Too big.' };

/** The error `loadRules` throws for a document with one rule (`base` plus `patch`). */
function loadError(patch: Record<string, unknown>, remove: string[] = []): RuleLoadError {
  const rule: Record<string, unknown> = { ...base, ...patch };
  for (const key of remove) delete rule[key];
  try {
    loadRules({ rules: [rule] });
  } catch (err) {
    expect(err).toBeInstanceOf(RuleLoadError);
    return err as RuleLoadError;
  }
  throw new Error('expected a RuleLoadError');
}

describe('loadRules rejects bad rules at load time, with the path', () => {
  it.each<[string, Record<string, unknown>, string[], string, RegExp]>([
    ['missing effect', {}, ['effect'], '/rules/0/effect', /is required/],
    [
      'unknown effect',
      { effect: 'deny' },
      [],
      '/rules/0/effect',
      /must be one of "allow", "block", "require_approval"/,
    ],
    ['reason not snake_case', { reason: 'Too Big' }, [], '/rules/0/reason', /snake_case/],
    ['unknown property', { efect: 'block' }, [], '/rules/0/efect', /not an allowed property/],
    [
      'bad operator deep inside all',
      { when: { all: [{ path: '/a', op: 'eq', value: 1 }, { any: [{ path: '/b', op: 'equals', value: 2 }] }] } },
      [],
      '/rules/0/when/all/1/any/0/op',
      /must be one of "eq"/,
    ],
    [
      'wrong operand type deep inside all',
      { when: { all: [{ path: '/a', op: 'exists' }, { not: { path: '/amount', op: 'gt', value: true } }] } },
      [],
      '/rules/0/when/all/1/not/value',
      /number or string/,
    ],
    [
      'non-decimal string for gt',
      { when: { path: '/amount', op: 'gte', value: '12,50' } },
      [],
      '/rules/0/when/value',
      /decimal string/,
    ],
    ['in without an array', { when: { path: '/a', op: 'in', value: 'x' } }, [], '/rules/0/when/value', /array/],
    ['eq without a value', { when: { path: '/a', op: 'eq' } }, [], '/rules/0/when/value', /is required/],
    [
      'bad regex',
      { when: { any: [{ path: '/a', op: 'matches', value: '([a-z]+' }] } },
      [],
      '/rules/0/when/any/0/value',
      /invalid regular expression/,
    ],
    [
      'duplicate regex flag',
      { when: { path: '/a', op: 'matches', value: 'x', flags: 'ii' } },
      [],
      '/rules/0/when/flags',
      /invalid regular expression flags/,
    ],
    [
      'flags on another operator',
      { when: { path: '/a', op: 'eq', value: 'x', flags: 'i' } },
      [],
      '/rules/0/when/op',
      /matches/,
    ],
    ['bad JSON Pointer', { when: { path: 'amount', op: 'exists' } }, [], '/rules/0/when/path', /JSON Pointer/],
    ['bad pointer escape', { when: { path: '/a~2', op: 'exists' } }, [], '/rules/0/when/path', /JSON Pointer/],
    ['empty all', { when: { all: [] } }, [], '/rules/0/when/all', /fewer than 1/],
    ['bad glob', { match: { tool: ['send_*', 'deploy.{prod'] } }, [], '/rules/0/match/tool/1', /unclosed/],
    ['empty role set', { match: { roles: {} } }, [], '/rules/0/match/roles', /fewer than 1/],
  ])('%s', (_name, patch, remove, path, message) => {
    const err = loadError(patch, remove);
    expect(err.path).toBe(path);
    expect(err.issues[0]).toEqual({ path, message: expect.stringMatching(message) });
    expect(err.message).toContain(path);
  });

  it('reports every problem, the first as .path', () => {
    try {
      loadRules({
        rules: [
          { ...base, effect: 'nope' },
          { ...base, id: 'r2', message: 42 },
        ],
      });
      expect.unreachable();
    } catch (err) {
      const e = err as RuleLoadError;
      expect(e.path).toBe('/rules/0/effect');
      expect(e.issues.map((i) => i.path)).toEqual(['/rules/0/effect', '/rules/1/message']);
    }
  });

  it('copies the document, so editing it after load changes nothing', () => {
    const document = { rules: [{ ...base, when: { path: '/to', op: 'in', value: ['KP'] } }] };
    const [rule] = loadRules(document);
    document.rules[0]!.when.value.length = 0;
    expect(rule!.when(gateContext('t', { to: 'KP' }), { action: 't' })).toBe(true);
    expect(() => loadRules({ rules: [{ ...base, when: { path: '/a', op: 'eq', value: () => 1 } }] })).toThrow(
      expect.objectContaining({ name: 'RuleLoadError', path: '' }),
    );
  });

  it('refuses duplicate ids and documents that are not rule files', () => {
    expect(() => loadRules({ rules: [base, base] })).toThrow(expect.objectContaining({ path: '/rules/1/id' }));
    expect(() => loadRules([base])).toThrow(expect.objectContaining({ path: '' }));
    expect(() => loadRules({})).toThrow(expect.objectContaining({ path: '/rules' }));
  });
});

describe('rules files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-rule-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a good file from disk and the gate applies it', async () => {
    const file = join(dir, 'good.json');
    await writeFile(
      file,
      JSON.stringify({
        $schema: '../schema/rules.schema.json',
        rules: [
          { ...base, match: { tool: 'send_*' }, when: { path: '/amount', op: 'gt', value: '100.00' } },
          { id: 'r2', effect: 'allow', reason: 'small', message: 'Small amounts are fine.' },
        ],
      }),
    );
    const rules = await loadRulesFile(file);
    expect(rules.map((r) => [r.id, r.effect])).toEqual([
      ['r1', 'block'],
      ['r2', 'allow'],
    ]);
    const runner = runnerWith([await RuleGate.fromFile(file)]);
    expect((await runner.call('send_money', { amount: '100.01' })).reason).toBe('too_big');
    expect((await runner.call('send_money', { amount: '100.00' })).status).toBe('executed');
  });

  it('names the file and the path of a bad rule', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(
      file,
      JSON.stringify({
        rules: [base, { ...base, id: 'r2', when: { all: [{ path: '/x', op: 'matches', value: '*' }] } }],
      }),
    );
    const err = await RuleGate.fromFile(file).catch((e: unknown) => e as RuleLoadError);
    expect(err).toBeInstanceOf(RuleLoadError);
    expect(err).toMatchObject({ file, path: '/rules/1/when/all/0/value' });
    expect((err as RuleLoadError).message).toContain(`${file}#/rules/1/when/all/0/value`);
  });

  it('refuses a file that is not JSON or cannot be read', async () => {
    const file = join(dir, 'broken.json');
    await writeFile(file, '{"rules": [');
    await expect(loadRulesFile(file)).rejects.toMatchObject({ name: 'RuleLoadError', file, path: '' });
    await expect(loadRulesFile(join(dir, 'missing.json'))).rejects.toThrow(/cannot read the file/);
  });
});

describe('RuleGate configuration errors surface at construction', () => {
  const ok = { id: 'p', reason: 'x', message: 'm', effect: 'block' as const, when: () => true };
  it.each<[string, () => RuleGate, string]>([
    ['no predicate', () => new RuleGate({ rules: [{ ...ok, when: undefined } as never] }), '/rules/0'],
    ['both when and require', () => new RuleGate({ rules: [{ ...ok, require: () => true } as never] }), '/rules/0'],
    ['unknown effect', () => new RuleGate({ rules: [{ ...ok, effect: 'deny' } as never] }), '/rules/0/effect'],
    ['duplicate id', () => new RuleGate({ rules: [ok, ok] }), '/rules/1/id'],
    ['rules not an array', () => new RuleGate({ rules: ok as never }), '/rules'],
    ['bad defaultEffect', () => new RuleGate({ defaultEffect: 'deny' as never }), '/defaultEffect'],
    ['bad scope glob', () => new RuleGate({ requiredScopes: { 'pay{': ['x'] } }), '/requiredScopes/pay{'],
    ['bad scope list', () => new RuleGate({ requiredScopes: { pay: 'x' as never } }), '/requiredScopes/pay'],
  ])('%s', (_name, build, path) => {
    expect(build).toThrow(expect.objectContaining({ name: 'RuleLoadError', path }));
  });
});

describe('the published schema', () => {
  it('ships as schema/rules.schema.json with an $id, and is the one RULES_SCHEMA exports', async () => {
    const file = JSON.parse(await readFile(new URL('../schema/rules.schema.json', import.meta.url), 'utf8'));
    expect(file).toEqual(RULES_SCHEMA);
    expect(file.$id).toBe(RULES_SCHEMA_ID);
  });

  it('lists exactly the operators the compiler implements, and the decimal pattern it parses', () => {
    const text = JSON.stringify(RULES_SCHEMA);
    const comparison = (RULES_SCHEMA.$defs as Record<string, { properties: { op: { enum: string[] } } }>).comparison!;
    expect(comparison.properties.op.enum).toEqual([...OPERATORS]);
    expect(text).toContain(JSON.stringify(DECIMAL_PATTERN));
  });
});
