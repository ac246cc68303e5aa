import type { GatedToolRunner, GateResult, ToolDefinition } from '@tollgate/core';
import { describe, expect, it } from 'vitest';
import { RateReason, ThrottleGate } from '../src/index.js';
import { countingTool, runnerWith } from './helpers.js';

/** A handler that runs until the test lets it go, counting how many run at once. */
function heldTool(name = 'deploy') {
  const state = { running: 0, maxRunning: 0, executed: 0, releases: [] as (() => void)[] };
  const tool: ToolDefinition = {
    name,
    parameters: { type: 'object', properties: { fail: { type: 'boolean' } } },
    handler: async (args: { fail?: boolean }) => {
      state.executed++;
      state.running++;
      state.maxRunning = Math.max(state.maxRunning, state.running);
      await new Promise<void>((r) => state.releases.push(r));
      state.running--;
      if (args.fail) throw new Error('deploy failed');
      return 'deployed';
    },
  };
  const started = async (n: number) => {
    for (let i = 0; i < 500 && state.releases.length < n; i++) await new Promise((r) => setTimeout(r, 5));
    expect(state.releases.length).toBe(n);
  };
  const releaseAll = () => {
    for (const r of state.releases.splice(0)) r();
  };
  /** Runs one call to its end, letting its handler go as soon as it starts. */
  const runOne = async (call: Promise<GateResult>) => {
    await started(1);
    releaseAll();
    return call;
  };
  return { tool, state, started, releaseAll, runOne };
}

/** Holds the slot with one call while three more give up waiting; returns the holding call. */
async function holdWhileThreeAbandon(runner: GatedToolRunner, h: ReturnType<typeof heldTool>) {
  const first = runner.call('deploy', {});
  await h.started(1);
  const abandoned = await Promise.all(Array.from({ length: 3 }, () => runner.call('deploy', {})));
  expect(abandoned.every((r) => r.reason === RateReason.throttleTimeout)).toBe(true);
  return { first };
}

describe('ThrottleGate (Bottleneck, local)', () => {
  it('never runs more than maxConcurrent handlers at once, and runs every call', async () => {
    const h = heldTool();
    const runner = runnerWith([new ThrottleGate({ maxConcurrent: 3, maxWaitMs: 30_000 })], [h.tool]);
    const all = Promise.all(Array.from({ length: 30 }, () => runner.call('deploy', {})));
    // Let the handlers go one at a time, each time once the throttle has refilled its three slots.
    for (let done = 0; done < 30; done++) {
      await h.started(Math.min(3, 30 - done));
      h.state.releases.shift()?.();
    }
    const results = await all;
    expect(results.every((r) => r.status === 'executed')).toBe(true);
    expect(h.state.executed).toBe(30);
    expect(h.state.maxRunning).toBe(3);
  });

  it('a call that finds no slot within maxWaitMs is blocked with throttle_timeout and a retry hint', async () => {
    const h = heldTool();
    const runner = runnerWith([new ThrottleGate({ maxConcurrent: 1, maxWaitMs: 50 })], [h.tool]);
    const first = runner.call('deploy', {});
    await h.started(1);
    const second = await runner.call('deploy', {});
    expect(second.status).toBe('blocked');
    expect(second.reason).toBe(RateReason.throttleTimeout);
    expect(second.retryAfterMs).toBeGreaterThan(0);
    expect(second.message).toContain('deploy is throttled (at most 1 at a time)');
    h.releaseAll();
    expect((await first).status).toBe('executed');
    expect(h.state.executed).toBe(1);
  });

  it('a queued call runs once the slot frees within maxWaitMs', async () => {
    const h = heldTool();
    const runner = runnerWith([new ThrottleGate({ maxConcurrent: 1, maxWaitMs: 10_000 })], [h.tool]);
    const first = runner.call('deploy', {});
    await h.started(1);
    const second = runner.call('deploy', {});
    h.releaseAll();
    await h.started(1);
    h.releaseAll();
    expect((await first).status).toBe('executed');
    expect((await second).status).toBe('executed');
  });

  it('the slot is freed when the handler fails', async () => {
    const h = heldTool();
    const runner = runnerWith([new ThrottleGate({ maxConcurrent: 1, maxWaitMs: 0 })], [h.tool]);
    const failing = runner.call('deploy', { fail: true });
    await h.started(1);
    h.releaseAll();
    expect((await failing).status).toBe('tool_error');
    const next = runner.call('deploy', {});
    await h.started(1);
    h.releaseAll();
    expect((await next).status).toBe('executed');
  });

  it('a later gate blocking frees the slot', async () => {
    const { tool, calls } = countingTool('deploy');
    const runner = runnerWith([new ThrottleGate({ maxConcurrent: 1, maxWaitMs: 0 })], [tool]);
    for (let i = 0; i < 3; i++) expect((await runner.call('deploy', { deny: true })).reason).toBe('denied_by_rule');
    expect((await runner.call('deploy', {})).status).toBe('executed');
    expect(calls.executed).toBe(1);
  });

  it('an abandoned waiter never takes the slot later', async () => {
    const h = heldTool();
    const runner = runnerWith([new ThrottleGate({ maxConcurrent: 1, maxWaitMs: 20 })], [h.tool]);
    const { first } = await holdWhileThreeAbandon(runner, h);
    h.releaseAll();
    expect((await first).status).toBe('executed');
    // Had Bottleneck kept the abandoned jobs queued, one would hold the slot now and this call, which may
    // not wait at all, would time out.
    expect((await h.runOne(runner.call('deploy', {}))).status).toBe('executed');
    expect(h.state.executed).toBe(2);
  });

  it('an abandoned waiter leaves the queue at once and takes no minTime spacing', async () => {
    const h = heldTool();
    const gate = new ThrottleGate({ maxConcurrent: 1, minTimeMs: 150, maxWaitMs: 20 });
    const runner = runnerWith([gate], [h.tool]);
    const throttleData = (r: GateResult) =>
      r.decisions.find((d) => d.gate === 'throttle')?.data as { startsNow: boolean; waiting: number };
    const { first } = await holdWhileThreeAbandon(runner, h);
    expect(throttleData(await runner.check('deploy', {})).waiting).toBe(0);
    h.releaseAll();
    expect((await first).status).toBe('executed');
    // Wait (bounded) until a dry run says a call would start now: only the first call's spacing is in the way.
    let startsNow = false;
    for (let i = 0; i < 200 && !startsNow; i++) {
      startsNow = throttleData(await runner.check('deploy', {})).startsNow;
      if (!startsNow) await new Promise((r) => setTimeout(r, 10));
    }
    expect(startsNow).toBe(true);
    expect((await h.runOne(runner.call('deploy', {}))).status).toBe('executed');
    expect(h.state.executed).toBe(2);
  });

  it('keys throttle separately, and idle keys are dropped', async () => {
    const h = heldTool();
    const gate = new ThrottleGate({ maxConcurrent: 1, maxWaitMs: 0, key: (ctx) => ctx.actor ?? '-' });
    const runner = runnerWith([gate], [h.tool]);
    const alice = runner.call('deploy', {}, { actor: 'alice' });
    await h.started(1);
    expect((await runner.call('deploy', {}, { actor: 'alice' })).reason).toBe(RateReason.throttleTimeout);
    const bob = runner.call('deploy', {}, { actor: 'bob' });
    await h.started(2);
    expect(gate.activeKeys).toBe(2);
    h.releaseAll();
    expect((await alice).status).toBe('executed');
    expect((await bob).status).toBe('executed');
    for (let i = 0; i < 200 && gate.activeKeys > 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(gate.activeKeys).toBe(0);
  });

  it('dry run holds nothing; a full throttle with maxWaitMs 0 reports throttle_timeout', async () => {
    const h = heldTool();
    const runner = runnerWith([new ThrottleGate({ maxConcurrent: 1, maxWaitMs: 0 })], [h.tool]);
    for (let i = 0; i < 3; i++) expect((await runner.check('deploy', {})).status).toBe('allowed');
    const first = runner.call('deploy', {});
    await h.started(1);
    expect((await runner.check('deploy', {})).reason).toBe(RateReason.throttleTimeout);
    h.releaseAll();
    expect((await first).status).toBe('executed');
  });

  it('per-tool maxWaitMs overrides the gate; bad options are refused', async () => {
    const h = heldTool();
    const impatient = { ...heldTool('rollback').tool, gates: { throttle: { maxWaitMs: 0 } } };
    const runner = runnerWith([new ThrottleGate({ maxConcurrent: 1, maxWaitMs: 10_000 })], [h.tool, impatient]);
    const first = runner.call('deploy', {});
    await h.started(1);
    expect((await runner.call('rollback', {})).reason).toBe(RateReason.throttleTimeout);
    h.releaseAll();
    await first;
    expect(() => new ThrottleGate({})).toThrow(/maxConcurrent or minTimeMs/);
    expect(() => new ThrottleGate({ maxConcurrent: 0 })).toThrow(/maxConcurrent/);
  });
});
