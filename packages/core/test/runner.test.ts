import { type DecisionEvent, type Gate, GatedToolRunner, type GateResult } from '@tollgate/core';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { countingGate, echoTool, fixedGate } from './helpers.js';

const ok = { amount: 10, to: 'alice' };

describe('statuses', () => {
  it('executes when every gate allows, and returns the handler result', async () => {
    const { tool, runs } = echoTool();
    const runner = new GatedToolRunner({ tools: [tool] });
    const r = await runner.call('pay', JSON.stringify(ok), { callId: 'call_1', actor: 'u1' });
    expect(r).toMatchObject({ status: 'executed', allowed: true, tool: 'pay', callId: 'call_1', reason: 'executed' });
    expect(r.result).toEqual({ paid: 10, to: 'alice' });
    expect(runs).toEqual([ok]);
    expect(r.decisions.map((d) => d.gate)).toEqual(['validation']);
    expect(r.eventId).toMatch(/^evt_[\w-]{12}_\w+$/);
    expect(r.traceId).toMatch(/^trace_/);
    expect(r.timings.totalMs).toBeGreaterThanOrEqual(0);
  });

  it('blocks an unknown tool with blockedBy registry, naming the tools that exist', async () => {
    const { tool } = echoTool();
    const r = await new GatedToolRunner({ tools: [tool] }).call('transfer_all', '{}');
    expect(r).toMatchObject({ status: 'blocked', allowed: false, blockedBy: 'registry', reason: 'unknown_tool' });
    expect(r.message).toContain('Available tools: pay');
  });

  it('blocks with the gate name, reason, message and retryAfterMs of the first blocking gate', async () => {
    const { tool, runs } = echoTool();
    const runner = new GatedToolRunner({
      tools: [tool],
      gates: [
        fixedGate('limits', 'rate', {
          outcome: 'block',
          reason: 'rate_limited',
          message: 'Slow down.',
          retryAfterMs: 900,
        }),
      ],
    });
    const r = await runner.call('pay', ok);
    expect(r).toMatchObject({
      status: 'blocked',
      blockedBy: 'limits',
      reason: 'rate_limited',
      message: 'Slow down.',
      retryAfterMs: 900,
    });
    expect(runs).toHaveLength(0);
  });

  it('turns a throwing handler into tool_error with the error name and message', async () => {
    const runner = new GatedToolRunner({
      tools: [
        {
          name: 'boom',
          parameters: { type: 'object' },
          handler: () => {
            throw new RangeError('insufficient funds');
          },
        },
      ],
    });
    const r = await runner.call('boom', {});
    expect(r).toMatchObject({ status: 'tool_error', allowed: false, reason: 'tool_error' });
    expect(r.error).toEqual({ name: 'RangeError', message: 'insufficient funds' });
    expect(r.message).toContain('insufficient funds');
  });

  it('handles handlers that reject with non-Error values', async () => {
    const runner = new GatedToolRunner({
      tools: [{ name: 'weird', parameters: { type: 'object' }, handler: () => Promise.reject('nope') }],
    });
    const r = await runner.call('weird', {});
    expect(r.status).toBe('tool_error');
    expect(r.error).toEqual({ name: 'string', message: 'nope' });
  });

  it('returns approval_required with a ticket when a gate asks for a human, and does not run the handler', async () => {
    const { tool, runs } = echoTool();
    const runner = new GatedToolRunner({
      tools: [tool],
      gates: [fixedGate('policy', 'rule', { outcome: 'require_approval', reason: 'large_payment', message: 'Large.' })],
    });
    const r = await runner.call('pay', ok, { callId: 'c9' });
    expect(r.status).toBe('approval_required');
    expect(r.blockedBy).toBe('policy');
    expect(r.approval).toMatchObject({ gates: ['policy'], reason: 'large_payment' });
    expect(r.approval?.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(runs).toHaveLength(0);
    expect(await runner.getApproval(r.approval!.id)).toMatchObject({ status: 'pending', callId: 'c9', args: ok });
  });
});

describe('the fixed order', () => {
  it('runs gates by stage whatever order they are passed in, audit last', async () => {
    const log: string[] = [];
    const stages: Gate['stage'][] = ['audit', 'decision', 'rule', 'budget', 'rate'];
    const gates = stages.map((s) => countingGate(s, s, log).gate);
    const recorder: Gate = { name: 'recorder', stage: 'audit', record: () => void log.push('recorder:record') };
    const { tool } = echoTool('pay', {
      handler: () => {
        log.push('handler');
        return 'done';
      },
    });
    const runner = new GatedToolRunner({ tools: [tool], gates: [recorder, ...gates] });
    const r = await runner.call('pay', ok);
    expect(r.status).toBe('executed');
    expect(log).toEqual([
      'rate:check',
      'budget:check',
      'rule:check',
      'decision:check',
      'audit:check',
      'handler',
      'audit:commit',
      'decision:commit',
      'rule:commit',
      'budget:commit',
      'rate:commit',
      'recorder:record',
    ]);
    expect(r.decisions.map((d) => d.stage)).toEqual(['validation', 'rate', 'budget', 'rule', 'decision', 'audit']);
  });

  it('keeps the given order among gates of one stage, and adds per-tool gates in their stage', async () => {
    const log: string[] = [];
    const a = countingGate('a', 'rule', log).gate;
    const b = countingGate('b', 'rule', log).gate;
    const t = countingGate('tool-rate', 'rate', log).gate;
    const { tool } = echoTool('pay', { use: [t] });
    await new GatedToolRunner({ tools: [tool], gates: [a, b] }).call('pay', ok);
    expect(log.filter((l) => l.endsWith(':check'))).toEqual(['tool-rate:check', 'a:check', 'b:check']);
  });

  it('skips a gate for a tool that sets it to false, and passes per-tool options to check', async () => {
    const seen: unknown[] = [];
    const gate: Gate = {
      name: 'budget',
      stage: 'budget',
      compileToolOptions: (raw) => raw,
      check: (_ctx, options) => {
        seen.push(options);
        return { outcome: 'allow', reason: 'ok' };
      },
    };
    const { tool: a } = echoTool('a', { gates: { budget: { max: '5.00' } } });
    const { tool: b } = echoTool('b', { gates: { budget: false } });
    const runner = new GatedToolRunner({ tools: [a, b], gates: [gate] });
    await runner.call('a', ok);
    const rb = await runner.call('b', ok);
    expect(seen).toEqual([{ max: '5.00' }]);
    expect(rb.decisions.map((d) => d.gate)).toEqual(['validation']);
  });

  it('stops at the first block: later gates never run', async () => {
    const log: string[] = [];
    const later = countingGate('decision', 'decision', log);
    const runner = new GatedToolRunner({
      tools: [echoTool().tool],
      gates: [later.gate, fixedGate('rule', 'rule', { outcome: 'block', reason: 'no' })],
    });
    const r = await runner.call('pay', ok);
    expect(r.blockedBy).toBe('rule');
    expect(log).toEqual([]);
  });

  it('lets a later block win over an earlier require_approval, and stores no approval', async () => {
    const runner = new GatedToolRunner({
      tools: [echoTool().tool],
      gates: [
        fixedGate('rule', 'rule', { outcome: 'require_approval', reason: 'review' }),
        fixedGate('bighub', 'decision', { outcome: 'block', reason: 'bighub_blocked' }),
      ],
    });
    const r = await runner.call('pay', ok);
    expect(r).toMatchObject({ status: 'blocked', blockedBy: 'bighub', reason: 'bighub_blocked' });
    expect(await runner.pendingApprovals()).toEqual([]);
  });
});

describe('reservations', () => {
  it('releases what earlier gates reserved when a later gate blocks', async () => {
    const log: string[] = [];
    const rate = countingGate('rate', 'rate', log);
    const budget = countingGate('budget', 'budget', log);
    const runner = new GatedToolRunner({
      tools: [echoTool().tool],
      gates: [rate.gate, budget.gate, fixedGate('rule', 'rule', { outcome: 'block', reason: 'denied' })],
    });
    await runner.call('pay', ok);
    expect(rate.state).toMatchObject({ held: 0, released: 1, committed: 0 });
    expect(budget.state).toMatchObject({ held: 0, released: 1, committed: 0 });
    expect(log).toEqual(['rate:check', 'budget:check', 'budget:release', 'rate:release']);
    expect(budget.state.settled[0]).toMatchObject({ status: 'blocked' });
  });

  it('releases in reverse order when the handler throws, and commits with chargeOnError', async () => {
    const log: string[] = [];
    const rate = countingGate('rate', 'rate', log);
    const budget = countingGate('budget', 'budget', log);
    const failing = {
      name: 'fail',
      parameters: { type: 'object' },
      handler: () => {
        throw new Error('down');
      },
    };
    const runner = new GatedToolRunner({ tools: [failing], gates: [rate.gate, budget.gate] });
    await runner.call('fail', {});
    expect(log).toEqual(['rate:check', 'budget:check', 'budget:release', 'rate:release']);
    expect(budget.state.settled[0]).toMatchObject({ status: 'tool_error', error: { message: 'down' } });

    const charged = new GatedToolRunner({ tools: [failing], gates: [rate.gate, budget.gate], chargeOnError: true });
    await charged.call('fail', {});
    expect(rate.state.committed).toBe(1);
  });

  it('lets a per-tool chargeOnError override the runner', async () => {
    const rate = countingGate('rate', 'rate');
    const runner = new GatedToolRunner({
      gates: [rate.gate],
      tools: [
        {
          name: 'fail',
          parameters: { type: 'object' },
          chargeOnError: true,
          handler: () => {
            throw new Error('x');
          },
        },
      ],
    });
    await runner.call('fail', {});
    expect(rate.state).toMatchObject({ committed: 1, released: 0 });
  });

  it('hands the handler-reported figures to commit', async () => {
    const budget = countingGate('budget', 'budget');
    const runner = new GatedToolRunner({
      gates: [budget.gate],
      tools: [
        {
          name: 'llm',
          parameters: { type: 'object' },
          handler: (_a, ctx) => {
            ctx.report('cost', '0.0123');
            return 'ok';
          },
        },
      ],
    });
    await runner.call('llm', {});
    expect(budget.state.settled[0]).toMatchObject({ status: 'executed', result: 'ok', reported: { cost: '0.0123' } });
  });

  it('reports a reservation that fails to settle as a warning, not a throw', async () => {
    const bad: Gate = {
      name: 'flaky',
      stage: 'budget',
      check: () => ({
        outcome: 'allow',
        reason: 'ok',
        reservation: {
          commit: () => Promise.reject(new Error('redis gone')),
          release: () => {},
        },
      }),
    };
    const r = await new GatedToolRunner({ tools: [echoTool().tool], gates: [bad] }).call('pay', ok);
    expect(r.status).toBe('executed');
    expect(r.warnings).toEqual(['a reservation failed to commit: redis gone']);
  });
});

describe('fail modes', () => {
  const throwing = (failMode?: 'open' | 'closed'): Gate => ({
    name: 'store',
    stage: 'rate',
    failMode,
    check: () => {
      throw new Error('ECONNREFUSED');
    },
  });

  it('fails closed by default: blocked with gate_error, the error recorded', async () => {
    const { tool, runs } = echoTool();
    const r = await new GatedToolRunner({ tools: [tool], gates: [throwing()] }).call('pay', ok);
    expect(r).toMatchObject({ status: 'blocked', blockedBy: 'store', reason: 'gate_error' });
    expect(r.decisions[1]?.error).toEqual({ name: 'Error', message: 'ECONNREFUSED' });
    expect(runs).toHaveLength(0);
  });

  it('fails open when asked: allowed, with the error recorded in the decision', async () => {
    const { tool, runs } = echoTool();
    const r = await new GatedToolRunner({ tools: [tool], gates: [throwing('open')] }).call('pay', ok);
    expect(r.status).toBe('executed');
    expect(r.decisions[1]).toMatchObject({
      outcome: 'allow',
      reason: 'gate_error_fail_open',
      error: { message: 'ECONNREFUSED' },
    });
    expect(runs).toHaveLength(1);
  });

  it('treats a malformed verdict as a gate error, never as an allow', async () => {
    const odd = [undefined, null, 'allow', { outcome: 'yes', reason: 'ok' }, { outcome: 'allow' }, Promise.resolve(1)];
    for (const verdict of odd) {
      const { tool, runs } = echoTool();
      const gate = { name: 'odd', stage: 'rule', check: () => verdict } as unknown as Gate;
      const r = await new GatedToolRunner({ tools: [tool], gates: [gate] }).call('pay', ok);
      expect(r).toMatchObject({ status: 'blocked', reason: 'gate_error' });
      expect(runs).toHaveLength(0);
    }
  });
});

describe('never throws', () => {
  it('treats a null call context (a plain-JS caller) as no context, from call and check alike', async () => {
    const { tool, runs } = echoTool();
    const runner = new GatedToolRunner({ tools: [tool] });
    const context = null as unknown as undefined;
    expect(await runner.call('pay', ok, context)).toMatchObject({ status: 'executed', callId: expect.any(String) });
    expect(await runner.check('pay', ok, context)).toMatchObject({ status: 'allowed', dryRun: true });
    expect(runs).toHaveLength(1);
  });

  it('gives gates scopes and roles only as arrays: a string would match by substring ("superadmin" has "admin")', async () => {
    const seen: unknown[] = [];
    const gate: Gate = {
      name: 'g',
      stage: 'rule',
      check: (ctx) => {
        seen.push(ctx.scopes, ctx.roles);
        return { outcome: 'allow', reason: 'ok' };
      },
    };
    const runner = new GatedToolRunner({ tools: [echoTool().tool], gates: [gate] });
    const context = { scopes: 'superadmin', roles: 'ops' } as unknown as { scopes: string[]; roles: string[] };
    await runner.call('pay', ok, context);
    await runner.call('pay', ok, { scopes: ['admin'], roles: ['ops'] });
    expect(seen).toEqual([[], [], ['admin'], ['ops']]);
  });

  it('keeps a dry run dry when something inside the runner throws: no record, dryRun set', async () => {
    const ajv = new Ajv();
    ajv.addKeyword({
      keyword: 'explode',
      validate: () => {
        throw new Error('validator bug');
      },
    });
    const recorded: string[] = [];
    const audit: Gate = { name: 'audit', stage: 'audit', record: (r) => void recorded.push(r.status) };
    const tool = { name: 'odd', parameters: { type: 'object', explode: true }, handler: () => 1 };
    const runner = new GatedToolRunner({ ajv, tools: [tool], gates: [audit] });
    const r = await runner.check('odd', {});
    expect(r).toMatchObject({ status: 'blocked', reason: 'gate_error', dryRun: true });
    expect(recorded).toEqual([]);
    expect(await runner.call('odd', {})).toMatchObject({ status: 'blocked', reason: 'gate_error' });
    expect(recorded).toEqual(['blocked']);
  });
});

describe('records and events', () => {
  it('hands every status to record(), including blocks before any gate ran', async () => {
    const seen: string[] = [];
    const recorder: Gate = { name: 'audit', stage: 'audit', record: (r) => void seen.push(`${r.status}:${r.reason}`) };
    const runner = new GatedToolRunner({
      tools: [
        echoTool().tool,
        {
          name: 'boom',
          parameters: { type: 'object' },
          handler: () => {
            throw new Error('x');
          },
        },
      ],
      gates: [recorder],
    });
    await runner.call('pay', ok);
    await runner.call('pay', '{bad json');
    await runner.call('nope', {});
    await runner.call('boom', {});
    await runner.check('pay', ok);
    expect(seen).toEqual([
      'executed:executed',
      'blocked:invalid_json',
      'blocked:unknown_tool',
      'tool_error:tool_error',
    ]);
  });

  it('surfaces a failing record() as a warning on the result', async () => {
    const recorder: Gate = {
      name: 'audit',
      stage: 'audit',
      record: () => {
        throw new Error('disk full');
      },
    };
    const r = await new GatedToolRunner({ tools: [echoTool().tool], gates: [recorder] }).call('pay', ok);
    expect(r.status).toBe('executed');
    expect(r.warnings).toEqual(['audit failed to record this call: disk full']);
  });

  it('emits decision and result events with rising seq and stable ids; a throwing listener breaks nothing', async () => {
    const events: DecisionEvent[] = [];
    const runner = new GatedToolRunner({
      tools: [echoTool().tool],
      gates: [fixedGate('rule', 'rule', { outcome: 'allow', reason: 'ok' })],
    });
    runner.onDecision(() => {
      throw new Error('listener bug');
    });
    runner.onDecision(async () => Promise.reject(new Error('async listener bug')));
    const off = runner.onDecision((e) => void events.push(e));
    const r = await runner.call('pay', ok, { callId: 'call_x', traceId: 'trace_1' });
    expect(r.status).toBe('executed');
    expect(events.map((e) => e.type)).toEqual(['decision', 'decision', 'result']);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(3);
    for (const e of events) expect(e).toMatchObject({ callId: 'call_x', traceId: 'trace_1', tool: 'pay' });
    off();
    await runner.call('pay', ok);
    expect(events).toHaveLength(3);
  });
});

describe('dry run', () => {
  it('evaluates every gate without executing, reserving or storing approvals', async () => {
    const rate = countingGate('rate', 'rate');
    const { tool, runs } = echoTool();
    const runner = new GatedToolRunner({ tools: [tool], gates: [rate.gate] });
    const r = await runner.check('pay', ok);
    expect(r).toMatchObject({ status: 'allowed', allowed: true, dryRun: true });
    expect(runs).toHaveLength(0);
    expect(rate.state).toMatchObject({ held: 0, committed: 0, released: 0 });

    runner.use(fixedGate('rule', 'rule', { outcome: 'require_approval', reason: 'review' }));
    const a = await runner.check('pay', ok);
    expect(a.status).toBe('approval_required');
    expect(a.approval).toBeUndefined();
    expect(await runner.pendingApprovals()).toEqual([]);
  });

  it('gives gates ctx.dryRun', async () => {
    let seen: boolean | undefined;
    const gate: Gate = {
      name: 'g',
      stage: 'rule',
      check: (ctx) => {
        seen = ctx.dryRun;
        return { outcome: 'allow', reason: 'ok' };
      },
    };
    await new GatedToolRunner({ tools: [echoTool().tool], gates: [gate] }).check('pay', ok);
    expect(seen).toBe(true);
  });
});

describe('configuration errors surface at set-up', () => {
  it('refuses duplicate tools and gates, bad stages, and invalid schemas', () => {
    const runner = new GatedToolRunner({ tools: [echoTool().tool] });
    expect(() => runner.register(echoTool().tool)).toThrow(/already registered/);
    expect(() => runner.use({ name: 'x', stage: 'validation' } as unknown as Gate)).toThrow(/stage/);
    runner.use(fixedGate('g', 'rule', { outcome: 'allow', reason: 'ok' }));
    expect(() => runner.use(fixedGate('g', 'rate', { outcome: 'allow', reason: 'ok' }))).toThrow(/already used/);
    expect(() =>
      runner.register({ name: 'bad', parameters: { type: 'object', propertees: {} }, handler: () => 1 }),
    ).toThrow(/Tool "bad" has an invalid parameters schema/);
  });

  it('refuses an approvalTtlMs that is not a positive number of ms (NaN made approvals never expire)', () => {
    for (const approvalTtlMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new GatedToolRunner({ approvalTtlMs })).toThrow(TypeError);
    }
    expect(() => new GatedToolRunner({ approvalTtlMs: 1 })).not.toThrow();
  });
});

describe('concurrency', () => {
  it('1,000 concurrent calls each end as exactly one result, with exact counts', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const rate = countingGate('rate', 'rate');
    const runner = new GatedToolRunner({
      gates: [rate.gate, fixedGate('rule', 'rule', () => ({ outcome: 'allow', reason: 'ok' }))],
      tools: [
        {
          name: 'work',
          parameters: { type: 'object', properties: { i: { type: 'integer' } }, required: ['i'] },
          handler: async (args: { i: number }) => {
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            await new Promise((r) => setImmediate(r));
            inFlight--;
            if (args.i % 10 === 0) throw new Error('every tenth fails');
            return args.i;
          },
        },
      ],
    });
    const results: GateResult[] = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => runner.call('work', { i }, { callId: `c${i}` })),
    );
    expect(results.filter((r) => r.status === 'executed')).toHaveLength(900);
    expect(results.filter((r) => r.status === 'tool_error')).toHaveLength(100);
    expect(new Set(results.map((r) => r.callId)).size).toBe(1000);
    expect(new Set(results.map((r) => r.eventId)).size).toBe(1000);
    expect(rate.state).toMatchObject({ committed: 900, released: 100, held: 900 });
    expect(maxInFlight).toBeGreaterThan(1);
  });
});

describe('per-tool options are checked at registration', () => {
  const strict: Gate = {
    name: 'budget',
    stage: 'budget',
    check: () => ({ outcome: 'allow', reason: 'ok' }),
    compileToolOptions: (options) => {
      if (options === undefined) return undefined;
      if (typeof (options as { cost?: unknown }).cost !== 'string') throw new Error('cost must be a decimal string');
      return options;
    },
  };

  it('refuses a tool whose options its gate rejects, naming the tool and the gate', () => {
    const runner = new GatedToolRunner({ gates: [strict] });
    expect(() => runner.register(echoTool('a', { gates: { budget: { cost: 2.5 } } }).tool)).toThrow(
      'Tool "a" has invalid gates.budget options: cost must be a decimal string',
    );
    expect(() => runner.register(echoTool('b', { gates: { budget: { cost: '2.50' } } }).tool)).not.toThrow();
    expect(() => runner.register(echoTool('c', { gates: { budget: false } }).tool)).not.toThrow();
  });

  it('checks tools already registered when the gate is added later', () => {
    const runner = new GatedToolRunner({ tools: [echoTool('a', { gates: { budget: { cost: 1 } } }).tool] });
    expect(() => runner.use(strict)).toThrow(/Tool "a" has invalid gates.budget options/);
    expect(runner.tools()).toHaveLength(1);
  });
});

describe('settling', () => {
  it('lets a reservation add a warning without failing', async () => {
    const gate: Gate = {
      name: 'budget',
      stage: 'budget',
      check: () => ({
        outcome: 'allow',
        reason: 'ok',
        reservation: { commit: (info) => info.warn('actual cost above the estimate; charged'), release: () => {} },
      }),
    };
    const r = await new GatedToolRunner({ tools: [echoTool().tool], gates: [gate] }).call('pay', ok);
    expect(r.status).toBe('executed');
    expect(r.warnings).toEqual(['actual cost above the estimate; charged']);
  });
});

describe('a record that never settles', () => {
  it('does not hang call(): the result comes back with a warning after recordTimeoutMs', async () => {
    const stuck: Gate = { name: 'audit', stage: 'audit', record: () => new Promise<void>(() => {}) };
    const { tool, runs } = echoTool();
    const runner = new GatedToolRunner({ tools: [tool], gates: [stuck], recordTimeoutMs: 20 });
    const r = await runner.call('pay', ok);
    expect(r.status).toBe('executed');
    expect(runs).toHaveLength(1);
    expect(r.warnings).toEqual(['audit did not confirm its record within 20 ms; it is still being written']);
    expect(() => new GatedToolRunner({ recordTimeoutMs: 0 })).toThrow(/recordTimeoutMs/);
  });
});
