import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadRules, RuleGate } from '@tollgate/rule';
import { describe, expect, it } from 'vitest';
import type { ReplaySummary } from '../src/index.js';
import { policyProblems } from '../src/policy/check.js';
import type { ToolSchema } from '../src/tools/normalize.js';
import { fixture, runCli, tempDir } from './helpers.js';

const tools: ToolSchema[] = [
  {
    name: 'send_money',
    parameters: {
      type: 'object',
      properties: {
        amount: { type: 'number' },
        to: { $ref: '#/$defs/account' },
        lines: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string' } } } },
        meta: { type: 'object', additionalProperties: { type: 'string' } },
        note: { anyOf: [{ type: 'null' }, { type: 'object', properties: { text: { type: 'string' } } }] },
        anything: {},
      },
      $defs: { account: { type: 'object', properties: { iban: { type: 'string' } } } },
    },
  },
  { name: 'reserve_hotel', parameters: { type: 'object', properties: { hotel: { type: 'string' } } } },
];

const rule = (id: string, match: unknown, when?: unknown) =>
  loadRules({
    rules: [{ id, effect: 'block', reason: 'r', message: 'm', ...(match ? { match } : {}), ...(when ? { when } : {}) }],
  });
const problemsOf = (...rules: ReturnType<typeof loadRules>) =>
  policyProblems(tools, undefined, { gates: [new RuleGate({ rules })], tools: {} });

describe('policyProblems', () => {
  it('reports a match.tool that matches no registered tool, and not one that matches', () => {
    expect(problemsOf(...rule('mail', { tool: 'send_mail' }))).toEqual([
      'gate "rule": rule "mail" match.tool "send_mail" matches no tool the policy registers; it never fires',
    ]);
    expect(problemsOf(...rule('send', { tool: ['send_*', 'x'] }), ...rule('both', { tool: '*' }))).toEqual([]);
  });

  it('reports a path no schema of the tools a rule applies to has, following $ref, anyOf, items and maps', () => {
    const ok = [
      '/amount',
      '/to/iban',
      '/lines/0/sku',
      '/meta/anything',
      '/note/text',
      '/anything/at/all',
      '/hotel',
    ].map((path, i) => rule(`ok-${i}`, undefined, { path, op: 'exists' })[0]!);
    expect(problemsOf(...ok)).toEqual([]);
    expect(
      problemsOf(
        ...rule('hotel', { tool: 'reserve_hotel' }, { path: '/hotel_name', op: 'eq', value: 'x' }),
        ...rule('deep', { tool: 'send_money' }, { not: { path: '/to/bic', op: 'exists' } }),
        ...rule('sku', undefined, {
          any: [
            { path: '/lines/0/skus', op: 'exists' },
            { path: '/amount', op: 'gt', value: 1 },
          ],
        }),
      ),
    ).toEqual([
      'gate "rule": rule "hotel" reads the argument /hotel_name, which no schema of the tools it applies to has (reserve_hotel)',
      'gate "rule": rule "deep" reads the argument /to/bic, which no schema of the tools it applies to has (send_money)',
      'gate "rule": rule "sku" reads the argument /lines/0/skus, which no schema of the tools it applies to has (send_money, reserve_hotel)',
    ]);
  });

  it("checks a tool's own rules against that tool only, and options for tools the policy does not register", () => {
    const gate = new RuleGate();
    const own = { rule: { rules: rule('hotel-only', { tool: 'reserve_*' }) } };
    expect(
      policyProblems(
        tools,
        { send_money: own, send_mail: { rule: false } },
        { gates: [gate], tools: { sendmoney: {} } },
      ),
    ).toEqual([
      'toolOptions.send_mail: no tool "send_mail" is registered, so these never apply',
      'gates().tools.sendmoney: no tool "sendmoney" is registered, so these never apply',
      'tool "send_money", gates.rule: rule "hotel-only" match.tool "reserve_*" matches no tool it is given to ("send_money"); it never fires',
    ]);
  });
});

describe('tollgate replay reports them', () => {
  it('lists policy problems and repeated ids as warnings, and still replays', async () => {
    const dir = await tempDir();
    const episodes = join(dir, 'episodes.jsonl');
    const call = (id: string) => ({ id, tool: 'get_balance', arguments: '{}' });
    await writeFile(
      episodes,
      [
        { id: 'ep-1', calls: [call('c1'), call('c2'), call('c1')] },
        { id: 'ep-2', calls: [call('c1')] },
        { id: 'ep-1', calls: [call('c9')] },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n'),
    );
    const policy = join(dir, 'policy.ts');
    await writeFile(
      policy,
      `import base from ${JSON.stringify(fixture('policy.ts'))};
export default { ...base, toolOptions: { send_mail: {} } };
`,
    );
    const { code, stdout } = await runCli(['replay', episodes, '--policy', policy, '--json']);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as ReplaySummary;
    expect(summary.calls).toBe(5);
    expect(summary.warnings).toEqual([
      { message: 'toolOptions.send_mail: no tool "send_mail" is registered, so these never apply' },
      { line: 1, message: 'episode "ep-1": calls 1 and 3 share the call id "c1"' },
      { line: 3, message: 'episode id "ep-1" is also the id of the episode on line 1' },
    ]);
    const text = await runCli(['replay', episodes, '--policy', policy]);
    expect(text.stdout).toContain('3 warning(s):\n  toolOptions.send_mail: no tool');
    expect(text.stdout).toContain('  line 3: episode id "ep-1" is also the id of the episode on line 1');
  });
});
