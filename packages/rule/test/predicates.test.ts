import type { GateContext } from '@tollgate/core';
import { describe, expect, it } from 'vitest';
import { type RequireRule, RuleGate, type WhenRule } from '../src/index.js';
import { runnerWith } from './support.js';

const allowRule = (id: string, when: (ctx: GateContext) => unknown): WhenRule => ({
  id,
  effect: 'allow',
  reason: 'trusted',
  message: 'Trusted.',
  when: when as WhenRule['when'],
});

const hostileThenable = Object.defineProperty({}, 'then', {
  get() {
    throw new Error('gotcha');
  },
});

describe('predicates must return exactly true or false', () => {
  it.each<[string, (ctx: GateContext) => unknown, RegExp]>([
    ['an async function (a Promise of true)', async () => true, /returned a Promise/],
    ['a resolved Promise', () => Promise.resolve(true), /returned a Promise/],
    ['a Promise that later rejects', () => Promise.reject(new Error('late')), /returned a Promise/],
    // biome-ignore lint/suspicious/noThenProperty: a hand-made thenable is exactly what this case is about.
    ['a custom thenable', () => ({ then: (ok: (v: boolean) => void) => ok(true) }), /returned a Promise/],
    ['a thenable whose getter throws', () => hostileThenable, /not true or false/],
    ['1', () => 1, /returned the number 1/],
    ["'yes'", () => 'yes', /returned the string "yes"/],
    ['undefined', () => undefined, /returned undefined/],
    ['null', () => null, /returned null/],
    ['an object', () => ({ ok: true }), /returned a object/],
    [
      'a throw',
      () => {
        throw new RangeError('boom');
      },
      /threw RangeError: boom/,
    ],
    [
      'a thrown non-Error',
      () => {
        throw 'plain';
      },
      /threw plain/,
    ],
  ])(
    '%s blocks with predicate_error, never allows (even fail-open, even default allow)',
    async (_name, when, error) => {
      const gate = new RuleGate({ rules: [allowRule('sloppy', when)], failMode: 'open' });
      const runner = runnerWith([gate]);
      for (const result of [await runner.call('send_money', {}), await runner.check('send_money', {})]) {
        expect(result).toMatchObject({ status: 'blocked', blockedBy: 'rule', reason: 'predicate_error' });
        expect(result.message).toContain('"sloppy" could not be evaluated');
        const decision = result.decisions.find((d) => d.gate === 'rule');
        expect(decision?.data).toMatchObject({
          matched: [{ id: 'sloppy', effect: 'block', reason: 'predicate_error', error: expect.stringMatching(error) }],
          decidedBy: 'sloppy',
        });
      }
    },
  );

  it('exactly true applies the effect and exactly false does not', async () => {
    const runner = runnerWith([
      new RuleGate({
        defaultEffect: 'block',
        rules: [allowRule('agents', (ctx) => ctx.actor?.startsWith('agent:') === true)],
      }),
    ]);
    expect((await runner.call('send_money', {}, { actor: 'agent:7' })).status).toBe('executed');
    expect((await runner.call('send_money', {}, { actor: 'user:7' })).reason).toBe('no_rule_matched');
  });

  it('a require rule blocks when false, and does nothing when true (it never opens default-deny)', async () => {
    const business: RequireRule = {
      id: 'business-hours',
      reason: 'outside_business_hours',
      message: 'Transfers run 08:00-18:00 UTC only; try again then.',
      require: (ctx) => {
        const hour = new Date(ctx.clock.now()).getUTCHours();
        return hour >= 8 && hour < 18;
      },
    };
    // The support runner's clock is fixed at 2023-11-14T22:13:20Z: outside business hours.
    const blocked = await runnerWith([new RuleGate({ rules: [business] })]).call('send_money', {});
    expect(blocked).toMatchObject({ status: 'blocked', reason: 'outside_business_hours' });
    expect(blocked.decisions.find((d) => d.gate === 'rule')?.data).toMatchObject({
      matched: [{ id: 'business-hours', effect: 'block', reason: 'outside_business_hours' }],
    });
    const holds: RequireRule = { ...business, require: () => true };
    expect((await runnerWith([new RuleGate({ rules: [holds] })]).call('send_money', {})).status).toBe('executed');
    const denyByDefault = new RuleGate({ rules: [holds], defaultEffect: 'block' });
    expect((await runnerWith([denyByDefault]).call('send_money', {})).reason).toBe('no_rule_matched');
  });

  it('a require rule that returns a Promise blocks too', async () => {
    const sloppy = { id: 'r', reason: 'r', message: 'm', require: async () => true } as unknown as RequireRule;
    const result = await runnerWith([new RuleGate({ rules: [sloppy] })]).call('send_money', {});
    expect(result.reason).toBe('predicate_error');
  });
});
