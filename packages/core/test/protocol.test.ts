import {
  type ApprovalRecord,
  type Gate,
  GatedToolRunner,
  type GateResult,
  gateOptions,
  MemoryApprovalStore,
  Reason,
  readToolOptions,
  ToolOptionsError,
  UnavailableError,
} from '@tollgate/core';
import { describe, expect, it } from 'vitest';
import { countingGate, echoTool, fixedGate } from './helpers.js';

const ok = { amount: 10, to: 'alice' };

describe('per-tool options are compiled once, at register()', () => {
  it('compiles each tool’s entry once and hands check, beforeExecute and record the compiled value', async () => {
    const compiled: unknown[] = [];
    const seen: [string, unknown][] = [];
    const gate: Gate<{ limit: number }, { limit?: number }> = {
      name: 'cap',
      stage: 'rule',
      compileToolOptions: (raw, tool) => {
        const options = readToolOptions(raw, { gate: 'cap', tool }, ['limit']);
        const value = { limit: typeof options?.limit === 'number' ? options.limit : 100 };
        compiled.push([tool, value]);
        return value;
      },
      check: (_ctx, options) => {
        seen.push(['check', options.limit]);
        return { outcome: 'allow', reason: 'ok' };
      },
      beforeExecute: (_ctx, options) => {
        seen.push(['beforeExecute', options.limit]);
        return undefined;
      },
      record: (_result, _ctx, options) => void seen.push(['record', options?.limit]),
    };
    const runner = new GatedToolRunner({ gates: [gate] });
    runner.register(echoTool('a', { gates: gateOptions(gate, { limit: 5 }) }).tool);
    runner.register(echoTool('b').tool);
    for (let i = 0; i < 3; i++) await runner.call('a', ok);
    await runner.call('b', ok);
    await runner.call('nope', ok);
    expect(compiled).toEqual([
      ['a', { limit: 5 }],
      ['b', { limit: 100 }],
    ]);
    expect(seen.filter(([hook]) => hook === 'check').map(([, v]) => v)).toEqual([5, 5, 5, 100]);
    expect(seen.filter(([hook]) => hook === 'beforeExecute')).toHaveLength(4);
    // An unknown tool has no compiled options; its record still happens.
    expect(seen.at(-1)).toEqual(['record', undefined]);
  });

  it('refuses unknown keys and non-objects the same way for every gate, naming tool, gate and path', () => {
    const site = { gate: 'rate', tool: 'send' };
    expect(() => readToolOptions({ cots: 1, limts: [] }, site, ['cost', 'limits'])).toThrow(
      'Tool "send" has invalid gates.rate options: unknown options cots, limts (known: cost, limits)',
    );
    expect(() => readToolOptions('cheap', site, ['cost'])).toThrow(
      'Tool "send" has invalid gates.rate options: must be an object, false or absent, got string',
    );
    expect(readToolOptions(undefined, site, ['cost'])).toBeUndefined();
    expect(readToolOptions(true, site, ['cost'])).toBeUndefined();
    const err = new ToolOptionsError(site, '/limits/0/points', 'must be a whole number');
    expect(err).toBeInstanceOf(TypeError);
    expect(err).toMatchObject({ tool: 'send', gate: 'rate', path: '/limits/0/points' });
    expect(err.message).toBe('Tool "send" has invalid gates.rate options at /limits/0/points: must be a whole number');
  });

  it('refuses options for a gate that takes none, and wraps what a gate throws while compiling', () => {
    const plain: Gate = { name: 'plain', stage: 'rule', check: () => ({ outcome: 'allow', reason: 'ok' }) };
    const runner = new GatedToolRunner({ gates: [plain] });
    expect(() => runner.register(echoTool('a', { gates: { plain: { x: 1 } } }).tool)).toThrow(
      'Tool "a" has invalid gates.plain options: this gate takes no per-tool options',
    );
    expect(() => runner.register(echoTool('b', { gates: { plain: false } }).tool)).not.toThrow();
    const cause = new RangeError('boom');
    const throwing: Gate = {
      name: 'throwing',
      stage: 'rule',
      compileToolOptions: () => {
        throw cause;
      },
    };
    try {
      new GatedToolRunner({ gates: [throwing], tools: [echoTool('c').tool] });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ToolOptionsError);
      expect((err as Error).message).toBe('Tool "c" has invalid gates.throwing options: boom');
      expect((err as Error).cause).toBe(cause);
    }
  });
});

describe('fail mode lives in core', () => {
  const throwing = (err: unknown, failMode?: 'open' | 'closed'): Gate => ({
    name: 'store',
    stage: 'rate',
    failMode,
    check: () => Promise.reject(err),
  });

  it('maps UnavailableError to store_unavailable (closed) with retryAfterMs and the cause recorded', async () => {
    const { tool, runs } = echoTool();
    const err = new UnavailableError('the rate store', {
      retryAfterMs: 2500,
      cause: new Error('ECONNREFUSED'),
      data: { store: 'redis' },
    });
    const r = await new GatedToolRunner({ tools: [tool], gates: [throwing(err)] }).call('pay', ok);
    expect(r).toMatchObject({
      status: 'blocked',
      blockedBy: 'store',
      reason: Reason.storeUnavailable,
      retryAfterMs: 2500,
    });
    expect(r.message).toBe(
      'The store check could not be made because the rate store is unavailable, so the call did not run. Retry in 3 seconds.',
    );
    expect(r.decisions.at(-1)).toMatchObject({
      error: { name: 'Error', message: 'ECONNREFUSED' },
      data: { store: 'redis', unavailable: 'the rate store' },
    });
    expect(runs).toHaveLength(0);
  });

  it('fail-open: an UnavailableError or any other throw is a recorded allow and the call runs', async () => {
    const { tool, runs } = echoTool();
    const a = await new GatedToolRunner({
      tools: [tool],
      gates: [throwing(new UnavailableError('BIGHUB'), 'open')],
    }).call('pay', ok);
    expect(a.status).toBe('executed');
    expect(a.decisions.at(-1)).toMatchObject({ outcome: 'allow', reason: Reason.storeUnavailableFailOpen });
    const b = await new GatedToolRunner({ tools: [tool], gates: [throwing(new TypeError('bug'), 'open')] }).call(
      'pay',
      ok,
    );
    expect(b.decisions.at(-1)).toMatchObject({ outcome: 'allow', reason: Reason.gateErrorFailOpen });
    const c = await new GatedToolRunner({ tools: [tool], gates: [throwing(new TypeError('bug'))] }).call('pay', ok);
    expect(c).toMatchObject({ status: 'blocked', reason: Reason.gateError });
    expect(runs).toHaveLength(2);
  });

  it('recognises an UnavailableError from another copy of core by its brand', () => {
    const err = new UnavailableError('x');
    expect(UnavailableError.is(err)).toBe(true);
    expect(UnavailableError.is(new Error('x'))).toBe(false);
    expect(UnavailableError.is(null)).toBe(false);
  });
});

describe('beforeExecute: write-ahead runs only when the call is about to execute', () => {
  function ahead(log: string[], verdict?: () => ReturnType<NonNullable<Gate['beforeExecute']>>): Gate {
    return {
      name: 'journal',
      stage: 'audit',
      beforeExecute: (ctx) => {
        log.push(`journal:${ctx.tool}`);
        return verdict?.();
      },
    };
  }

  it('does not run for a blocked call, a paused call or a dry run, and runs right before the handler', async () => {
    const log: string[] = [];
    const { tool } = echoTool('pay', {
      handler: () => {
        log.push('handler');
        return 1;
      },
    });
    const ask = fixedGate('review', 'rule', () => ({ outcome: 'require_approval', reason: 'review' }));
    const runner = new GatedToolRunner({ tools: [tool], gates: [ahead(log), ask] });
    const paused = await runner.call('pay', ok);
    expect(paused.status).toBe('approval_required');
    expect((await runner.check('pay', ok)).status).toBe('approval_required');
    expect(log).toEqual([]);
    await runner.approve(paused.approval!.id, { by: 'ops' });
    expect((await runner.resume(paused.approval!.id)).status).toBe('executed');
    expect(log).toEqual(['journal:pay', 'handler']);
    // A replayed resume is refused before beforeExecute: the approval was consumed first.
    expect((await runner.resume(paused.approval!.id)).reason).toBe('approval_consumed');
    expect(log).toEqual(['journal:pay', 'handler']);
  });

  it('a block from beforeExecute stops the call and releases what the checks reserved', async () => {
    const log: string[] = [];
    const held = countingGate('budget', 'budget');
    const { tool, runs } = echoTool();
    const runner = new GatedToolRunner({
      tools: [tool],
      gates: [held.gate, ahead(log, () => Promise.reject(new UnavailableError('the audit log')))],
    });
    const r = await runner.call('pay', ok);
    expect(r).toMatchObject({ status: 'blocked', blockedBy: 'journal', reason: 'store_unavailable' });
    expect(runs).toHaveLength(0);
    expect(held.state).toMatchObject({ held: 0, released: 1, committed: 0 });
  });

  it('a verdict from beforeExecute is recorded as a decision; returning nothing adds none', async () => {
    const { tool } = echoTool();
    const quiet = await new GatedToolRunner({ tools: [tool], gates: [ahead([])] }).call('pay', ok);
    expect(quiet.decisions.map((d) => d.gate)).toEqual(['validation']);
    const noted = await new GatedToolRunner({
      tools: [tool],
      gates: [ahead([], () => ({ outcome: 'allow', reason: 'ok', data: { intent: 1 } }))],
    }).call('pay', ok);
    expect(noted.decisions.at(-1)).toMatchObject({ gate: 'journal', stage: 'audit', data: { intent: 1 } });
  });
});

describe('a resume hands the asking gate its own earlier decision', () => {
  it('sets ctx.approval for every gate, and the asker’s approved decision carries its earlier data', async () => {
    const seen: unknown[] = [];
    const asker: Gate = {
      name: 'bighub',
      stage: 'decision',
      check: () => ({ outcome: 'require_approval', reason: 'review', data: { request_id: 'req_1' } }),
      record: (result, ctx) => void seen.push({ status: result.status, approval: ctx.approval }),
    };
    const approvals = new MemoryApprovalStore();
    const first = new GatedToolRunner({ tools: [echoTool().tool], gates: [asker], approvals });
    const paused = await first.call('pay', ok);
    await first.approve(paused.approval!.id, { by: 'ops', comment: 'checked' });
    // Another runner over the same store, as another process would be.
    const second = new GatedToolRunner({ tools: [echoTool().tool], gates: [asker], approvals });
    const resumed = await second.resume(paused.approval!.id);
    expect(resumed.status).toBe('executed');
    expect(resumed.decisions.find((d) => d.gate === 'bighub')).toMatchObject({
      outcome: 'allow',
      reason: Reason.approved,
      data: { approvalId: paused.approval!.id, by: 'ops', asked: { request_id: 'req_1' } },
    });
    expect(seen.at(-1)).toEqual({
      status: 'executed',
      approval: {
        id: paused.approval!.id,
        by: 'ops',
        comment: 'checked',
        gates: ['bighub'],
        data: { bighub: { request_id: 'req_1' } },
      },
    });
  });
});

describe('shadow gates', () => {
  it('records a block or an approval request as computed (enforced: false) and never stops the call', async () => {
    const { tool, runs } = echoTool();
    const would = (outcome: 'block' | 'require_approval'): Gate => ({
      name: `shadow-${outcome}`,
      stage: 'rule',
      shadow: true,
      check: () => ({ outcome, reason: 'would_stop', message: 'In shadow.' }),
    });
    const held = countingGate('budget', 'budget');
    const runner = new GatedToolRunner({
      tools: [tool],
      gates: [held.gate, would('block'), would('require_approval')],
    });
    const r = await runner.call('pay', ok);
    expect(r.status).toBe('executed');
    expect(runs).toHaveLength(1);
    expect(r.decisions.filter((d) => d.enforced === false).map((d) => [d.gate, d.outcome])).toEqual([
      ['shadow-block', 'block'],
      ['shadow-require_approval', 'require_approval'],
    ]);
    expect(held.state).toMatchObject({ committed: 1, released: 0 });
    expect(await runner.pendingApprovals()).toEqual([]);
  });

  it('releases a shadow gate’s reservation when an enforced gate blocks', async () => {
    const shadowHold = countingGate('meter', 'rate');
    const runner = new GatedToolRunner({
      tools: [echoTool().tool],
      gates: [{ ...shadowHold.gate, shadow: true }, fixedGate('rule', 'rule', { outcome: 'block', reason: 'no' })],
    });
    expect((await runner.call('pay', ok)).status).toBe('blocked');
    expect(shadowHold.state).toMatchObject({ held: 0, released: 1 });
  });
});

describe('what the handler receives is exactly what was validated', () => {
  const strictTool = () =>
    echoTool('pay', {
      parameters: {
        type: 'object',
        properties: { amount: { type: 'number', maximum: 100 }, to: { type: 'string' } },
        required: ['amount', 'to'],
        additionalProperties: false,
      },
    });

  it('a caller that mutates its object after call() cannot change what runs', async () => {
    let release: () => void = () => {};
    const gate: Gate = {
      name: 'slow',
      stage: 'rule',
      check: () => new Promise((resolve) => (release = () => resolve({ outcome: 'allow', reason: 'ok' }))),
    };
    const { tool, runs } = strictTool();
    const runner = new GatedToolRunner({ tools: [tool], gates: [gate] });
    const args = { amount: 10, to: 'alice' };
    const pending = runner.call('pay', args);
    await new Promise((r) => setImmediate(r));
    args.amount = 1_000_000;
    args.to = 'mallory';
    release();
    expect((await pending).status).toBe('executed');
    expect(runs).toEqual([{ amount: 10, to: 'alice' }]);
  });

  it('a getter or a Proxy is read once: it cannot answer the schema one value and the handler another', async () => {
    const { tool, runs } = strictTool();
    const runner = new GatedToolRunner({ tools: [tool] });
    let reads = 0;
    const getter = {
      to: 'alice',
      get amount() {
        reads++;
        return reads === 1 ? 10 : 1_000_000;
      },
    };
    expect((await runner.call('pay', getter)).status).toBe('executed');
    let proxyReads = 0;
    const proxy = new Proxy(
      { amount: 10, to: 'alice' },
      { get: (target, key) => (key === 'amount' && ++proxyReads > 1 ? 1_000_000 : Reflect.get(target, key)) },
    );
    expect((await runner.call('pay', proxy)).status).toBe('executed');
    expect(runs).toEqual([
      { amount: 10, to: 'alice' },
      { amount: 10, to: 'alice' },
    ]);
    expect(Object.getPrototypeOf(runs[0])).toBe(Object.prototype);
  });

  it('arguments that throw when read are invalid_arguments, and nothing runs', async () => {
    const { tool, runs } = strictTool();
    const hostile = {
      to: 'alice',
      get amount(): number {
        throw new Error('no');
      },
    };
    const r = await new GatedToolRunner({ tools: [tool] }).call('pay', hostile);
    expect(r).toMatchObject({ status: 'blocked', blockedBy: 'validation', reason: 'invalid_arguments' });
    expect(r.message).toBe('Invalid arguments: they could not be read (no).');
    expect(runs).toHaveLength(0);
  });
});

describe('approvals bind the caller', () => {
  async function paused(context = { actor: 'agent-7', tenant: 'acme', scopes: ['payments'] }) {
    const approvals = new MemoryApprovalStore();
    const { tool, runs } = echoTool();
    const runner = new GatedToolRunner({
      tools: [tool],
      approvals,
      gates: [fixedGate('review', 'rule', { outcome: 'require_approval', reason: 'review' })],
    });
    const r = await runner.call('pay', ok, { ...context, callId: 'call_1', bind: { round: 3 } });
    await runner.approve(r.approval!.id, { by: 'ops' });
    return { runner, runs, approvals, id: r.approval!.id };
  }

  it('refuses a resume whose expected caller or bind facts differ, before any gate runs', async () => {
    const { runner, runs, id } = await paused();
    const caller = { actor: 'agent-7', tenant: 'acme', scopes: ['payments'] };
    for (const [expect_, reason] of [
      [{ context: { ...caller, actor: 'admin' } }, 'approval_caller_changed'],
      [{ context: { ...caller, scopes: ['payments', 'admin'] } }, 'approval_caller_changed'],
      [{ context: { ...caller, tenant: 'other' } }, 'approval_caller_changed'],
      [{ bind: { round: 0 } }, 'approval_binding_changed'],
      [{ args: { ...ok, amount: 11 } }, 'approval_args_changed'],
    ] as const) {
      const r = await runner.resume(id, { expect: expect_ });
      expect(r).toMatchObject({ status: 'blocked', blockedBy: 'approval', reason });
    }
    expect(runs).toHaveLength(0);
    const r = await runner.resume(id, { expect: { args: ok, context: caller, bind: { round: 3 } } });
    expect(r.status).toBe('executed');
  });

  it('refuses a stored record edited in the store (another actor), as it no longer matches its digest', async () => {
    const { runner, runs, approvals, id } = await paused();
    const records = (approvals as unknown as { records: Map<string, ApprovalRecord> }).records;
    records.get(id)!.context.actor = 'admin';
    expect(await runner.resume(id)).toMatchObject({ status: 'blocked', reason: 'approval_args_changed' });
    expect(runs).toHaveLength(0);
  });
});

describe('a handler whose error is hostile', () => {
  it('is a tool_error whose hold is settled, never a blocked call that "did not run"', async () => {
    const hostile = new Error('x');
    Object.defineProperty(hostile, 'name', {
      get() {
        throw new Error('name getter');
      },
    });
    Object.defineProperty(hostile, 'message', {
      get() {
        throw new Error('message getter');
      },
    });
    let ran = 0;
    const held = countingGate('budget', 'budget');
    const runner = new GatedToolRunner({
      gates: [held.gate],
      tools: [
        {
          name: 'boom',
          parameters: { type: 'object' },
          handler: () => {
            ran++;
            throw hostile;
          },
        },
      ],
    });
    const r = await runner.call('boom', {});
    expect(ran).toBe(1);
    expect(r).toMatchObject({ status: 'tool_error', reason: 'tool_error' });
    expect(r.error).toEqual({ name: 'Error', message: 'unprintable error' });
    expect(held.state).toMatchObject({ held: 0, released: 1 });
  });
});

describe('reason codes', () => {
  it('every code the runner emits is in its reason table', async () => {
    const codes = new Set<string>(Object.values(Reason));
    const results: GateResult[] = [];
    const { tool } = echoTool();
    const runner = new GatedToolRunner({
      tools: [tool, { name: 'boom', parameters: { type: 'object' }, handler: () => Promise.reject(new Error('x')) }],
      gates: [fixedGate('review', 'rule', { outcome: 'require_approval', reason: 'review' })],
    });
    results.push(await runner.call('nope', {}));
    results.push(await runner.call('pay', '{'));
    results.push(await runner.call('pay', { amount: -1 }));
    results.push(await runner.check('pay', ok));
    const paused = await runner.call('pay', ok);
    results.push(await runner.resume(paused.approval!.id));
    results.push(await runner.resume('apr_missing'));
    const decided = await runner.approve(paused.approval!.id, { by: '' });
    expect(decided).toMatchObject({ ok: false, reason: Reason.invalidDecision });
    await runner.approve(paused.approval!.id, { by: 'ops' });
    results.push(await runner.resume(paused.approval!.id));
    results.push(await runner.resume(paused.approval!.id));
    results.push(await runner.call('boom', {}));
    for (const r of results) {
      expect(codes.has(r.reason) || r.reason === 'review').toBe(true);
      for (const d of r.decisions) expect(codes.has(d.reason) || d.reason === 'review').toBe(true);
    }
  });
});
