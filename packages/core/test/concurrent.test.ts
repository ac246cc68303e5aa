import { type Gate, type GateContext, GatedToolRunner, type GateVerdict } from '@tollgate/core';
import { describe, expect, it } from 'vitest';
import { countingGate, echoTool, fixedGate } from './helpers.js';

/** A concurrent gate whose check waits until the test lets it answer, and logs when it starts and settles. */
function deferredGate(name: string, stage: Gate['stage'], verdict: Omit<GateVerdict, 'reservation'>, log: string[]) {
  let answer!: () => void;
  const answered = new Promise<void>((resolve) => {
    answer = resolve;
  });
  const gate: Gate = {
    name,
    stage,
    concurrent: true,
    async check(_ctx: GateContext): Promise<GateVerdict> {
      log.push(`${name}:start`);
      await answered;
      return {
        ...verdict,
        reservation: { commit: () => void log.push(`${name}:commit`), release: () => void log.push(`${name}:release`) },
      };
    },
  };
  return { gate, answer };
}

describe('concurrent checks', () => {
  it('starts every concurrent check before any answers, and records the decisions in stage order', async () => {
    const log: string[] = [];
    const rate = deferredGate('rate', 'rate', { outcome: 'allow', reason: 'ok' }, log);
    const budget = deferredGate('budget', 'budget', { outcome: 'allow', reason: 'ok' }, log);
    const runner = new GatedToolRunner({ tools: [echoTool().tool], gates: [budget.gate, rate.gate] });
    const pending = runner.call('pay', { amount: 1, to: 'a' });
    await new Promise((resolve) => setImmediate(resolve));
    // Both checks are in flight, though rate has not answered: their store commands can share a round trip.
    expect(log).toEqual(['rate:start', 'budget:start']);
    budget.answer();
    rate.answer();
    const r = await pending;
    expect(r.status).toBe('executed');
    expect(r.decisions.map((d) => d.gate)).toEqual(['validation', 'rate', 'budget']);
    expect(log.slice(2)).toEqual(['budget:commit', 'rate:commit']);
  });

  it('lets the first block win: a later concurrent verdict is dropped and its reservation released', async () => {
    const log: string[] = [];
    const rate = deferredGate('rate', 'rate', { outcome: 'block', reason: 'rate_limited' }, log);
    const budget = deferredGate('budget', 'budget', { outcome: 'allow', reason: 'ok' }, log);
    const runner = new GatedToolRunner({ tools: [echoTool().tool], gates: [rate.gate, budget.gate] });
    const pending = runner.call('pay', { amount: 1, to: 'a' });
    budget.answer();
    rate.answer();
    const r = await pending;
    expect(r).toMatchObject({ status: 'blocked', blockedBy: 'rate', reason: 'rate_limited' });
    expect(r.decisions.map((d) => d.gate)).toEqual(['validation', 'rate']);
    expect(log).toEqual(['rate:start', 'budget:start', 'budget:release', 'rate:release']);
  });

  it('releases a concurrent reservation when a non-concurrent gate between them blocks', async () => {
    const log: string[] = [];
    const budget = deferredGate('budget', 'budget', { outcome: 'allow', reason: 'ok' }, log);
    const runner = new GatedToolRunner({
      tools: [echoTool().tool],
      gates: [fixedGate('throttle', 'rate', { outcome: 'block', reason: 'busy' }), budget.gate],
    });
    budget.answer();
    const r = await runner.call('pay', { amount: 1, to: 'a' });
    expect(r).toMatchObject({ status: 'blocked', blockedBy: 'throttle' });
    expect(log).toEqual(['budget:start', 'budget:release']);
  });

  it('maps a concurrent gate that throws through its fail mode, after an earlier allow', async () => {
    const counting = countingGate('rate', 'rate');
    const failing: Gate = {
      name: 'budget',
      stage: 'budget',
      concurrent: true,
      check: () => Promise.reject(new Error('store down')),
    };
    const runner = new GatedToolRunner({ tools: [echoTool().tool], gates: [counting.gate, failing] });
    const r = await runner.call('pay', { amount: 1, to: 'a' });
    expect(r).toMatchObject({ status: 'blocked', blockedBy: 'budget', reason: 'gate_error' });
    expect(counting.state).toMatchObject({ held: 0, released: 1 });
  });

  it('flush() waits for every gate, including a tool’s own, and never throws', async () => {
    const flushed: string[] = [];
    const later = (name: string, fail = false): Gate => ({
      name,
      stage: 'audit',
      flush: async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (fail) throw new Error('gone');
        flushed.push(name);
      },
    });
    const own = later('own');
    const runner = new GatedToolRunner({ gates: [later('a'), later('b', true)] });
    runner.register({ ...echoTool().tool, use: [own] });
    await expect(runner.flush()).resolves.toBeUndefined();
    await expect(runner.close()).resolves.toBeUndefined();
    expect(flushed.sort()).toEqual(['a', 'a', 'own', 'own']);
  });
});
