import { GatedToolRunner, type GateResult, MemoryApprovalStore, type ToolDefinition } from '@tollgate/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BighubEmulator, startBighubEmulator } from '../src/emulator/index.js';
import { BighubGate, type BighubGateOptions } from '../src/index.js';
import { deadUrl } from './dead-url.js';
import { MAPPING_ROWS } from './decision-table.js';

const KEY = 'bhk_gate';
let emulator: BighubEmulator;
beforeAll(async () => {
  emulator = await startBighubEmulator({ apiKey: KEY });
});
afterAll(() => emulator.close());
afterEach(() => {
  emulator.setRules({});
  emulator.state.requests.length = 0;
});

interface RefundArgs {
  order_id: string;
  amount: number;
}

function refundTool(ran: RefundArgs[]): ToolDefinition<RefundArgs> {
  return {
    name: 'refund_payment',
    parameters: {
      type: 'object',
      properties: { order_id: { type: 'string' }, amount: { type: 'number' } },
      required: ['order_id', 'amount'],
      additionalProperties: false,
    },
    handler: (args) => {
      ran.push(args);
      return { refunded: args.amount };
    },
    gates: { bighub: { valueFromArgs: (a: RefundArgs) => a.amount, targetFromArgs: (a: RefundArgs) => a.order_id } },
  };
}

function setup(options: Partial<BighubGateOptions> = {}, clock = { now: () => 1_000_000 }) {
  const gate = new BighubGate({
    client: { baseUrl: emulator.url, apiKey: KEY, retry: { retries: 0 } },
    telemetry: false,
    ...options,
  });
  const ran: RefundArgs[] = [];
  const runner = new GatedToolRunner({ gates: [gate], tools: [refundTool(ran)], clock });
  const refund = (amount: number, actor = 'agent-7') =>
    runner.call('refund_payment', { order_id: 'ord_1', amount }, { actor });
  return { gate, runner, ran, refund };
}

const bighubDecision = (result: GateResult) => result.decisions.find((d) => d.gate === 'bighub')!;

describe('BighubGate: every row of the mapping, over HTTP', () => {
  it.each(MAPPING_ROWS)('$name → $outcome ($reason)', async ({ response, outcome, reason }) => {
    emulator.setRules({ decision: response });
    const { refund, ran } = setup();
    const result = await refund(5);
    expect(bighubDecision(result)).toMatchObject({ outcome, reason });
    const status = { allow: 'executed', block: 'blocked', require_approval: 'approval_required' }[outcome];
    expect(result.status).toBe(status);
    expect(ran).toHaveLength(outcome === 'allow' ? 1 : 0);
  });
});

describe('BighubGate: the action', () => {
  it('maps a tool call to an action with system, risk and environment metadata', async () => {
    const { runner } = setup({
      domain: 'payments',
      tools: { refund_payment: { actionName: 'refund', system: 'stripe', risk: 'high', environment: 'production' } },
    });
    await runner.call('refund_payment', { order_id: 'ord_9', amount: 42 }, { actor: 'ops-agent', callId: 'call_1' });
    const body = emulator.requestsTo('submit')[0]!.body as Record<string, unknown>;
    expect(body).toMatchObject({
      action: 'refund',
      value: 42,
      target: 'ord_9',
      actor: 'ops-agent',
      domain: 'payments',
      metadata: {
        system: 'stripe',
        risk: 'high',
        environment: 'production',
        tool: 'refund_payment',
        call_id: 'call_1',
        arguments: { order_id: 'ord_9', amount: 42 },
      },
    });
  });

  it('lets per-tool options override the gate’s tool map, and metadataFromArgs add fields', async () => {
    const gate = new BighubGate({
      client: { baseUrl: emulator.url, apiKey: KEY },
      telemetry: false,
      actor: 'default-actor',
      includeArguments: false,
      tools: { deploy: { actionName: 'deploy_service', system: 'argocd', mode: 'submit' } },
    });
    const runner = new GatedToolRunner({
      gates: [gate],
      tools: [
        {
          name: 'deploy',
          parameters: { type: 'object', properties: { app: { type: 'string' } } },
          handler: () => 'deployed',
          gates: { bighub: { mode: 'submit_v2', metadataFromArgs: (a: { app: string }) => ({ app: a.app }) } },
        },
      ],
    });
    const result = await runner.call('deploy', { app: 'checkout' });
    expect(result.status).toBe('executed');
    const body = emulator.requestsTo('submit_v2')[0]!.body as Record<string, unknown>;
    expect(body).toEqual({
      action: 'deploy_service',
      actor: 'default-actor',
      metadata: { system: 'argocd', tool: 'deploy', call_id: result.callId, trace_id: result.traceId, app: 'checkout' },
    });
  });

  it('evaluates with actor and context in mode evaluate', async () => {
    const { refund } = setup({ mode: 'evaluate' });
    await refund(3);
    const body = emulator.requestsTo('evaluate')[0]!.body as Record<string, unknown>;
    expect(body).toMatchObject({
      action: 'refund_payment',
      actor: 'agent-7',
      value: 3,
      context: { tool: 'refund_payment' },
    });
    expect(body).not.toHaveProperty('dry_run');
    expect(emulator.requestsTo('submit')).toHaveLength(0);
  });

  it('blocks with bighub_invalid_action when valueFromArgs returns a non-number, even failing open', async () => {
    const gate = new BighubGate({ client: { baseUrl: emulator.url, apiKey: KEY }, failMode: 'open' });
    const runner = new GatedToolRunner({
      gates: [gate],
      tools: [
        {
          name: 't',
          parameters: { type: 'object' },
          handler: () => 1,
          gates: { bighub: { valueFromArgs: () => 'lots' } },
        },
      ],
    });
    const blocked = await runner.call('t', {});
    expect(blocked).toMatchObject({ status: 'blocked', reason: 'bighub_invalid_action' });
    expect(bighubDecision(blocked).error?.message).toContain('expected a finite number');
    // Options that are not an object, or hold unknown keys, are refused when the tool is registered.
    const tool = (bighub: unknown) => ({
      name: 'u',
      parameters: { type: 'object' },
      handler: () => 1,
      gates: { bighub },
    });
    expect(() => runner.register(tool('refund'))).toThrow(
      'Tool "u" has invalid gates.bighub options: must be an object, false or absent, got string',
    );
    expect(() => runner.register(tool({ actionname: 'x' }))).toThrow(/unknown option actionname \(known: actionName,/);
    expect(emulator.requestsTo('submit')).toHaveLength(0);
    await gate.flush();
  });
});

describe('BighubGate: dry runs', () => {
  it('uses evaluate with dry_run in mode evaluate, and records nothing', async () => {
    emulator.setRules({ requireApprovalAbove: 10, generation: 'better_decision' });
    const { runner } = setup({ mode: 'evaluate', telemetry: {} });
    const approvals = emulator.state.approvals.size;
    const result = await runner.check('refund_payment', { order_id: 'o', amount: 50 });
    expect(result).toMatchObject({ status: 'approval_required', reason: 'bighub_review', dryRun: true });
    expect((emulator.requestsTo('evaluate')[0]!.body as { dry_run?: boolean }).dry_run).toBe(true);
    expect(emulator.state.approvals.size).toBe(approvals);
    expect(emulator.requestsTo('memory_ingest')).toHaveLength(0);
  });

  it('uses the dry-run endpoint in submit modes', async () => {
    const { runner } = setup({ mode: 'submit_v2' });
    const result = await runner.check('refund_payment', { order_id: 'o', amount: 1 });
    expect(result.status).toBe('allowed');
    expect(emulator.requestsTo('dry_run')).toHaveLength(1);
    expect(emulator.requestsTo('submit_v2')).toHaveLength(0);
  });
});

describe('BighubGate: what the model and the application see', () => {
  const decision = {
    mode: 'review',
    needs_review: true,
    risk: 0.78,
    reason: 'Admin access for 48h is broad.',
    better_action: 'Grant it for 2h',
    salient_factors: [{ factor: 'high_blast_radius' }],
    responsible_action_space: { available: [], constrained: ['2h'], forbidden: [], information_gathering: [] },
  };

  it('keeps the raw decision in data and shows the model only the reason', async () => {
    emulator.setRules({ decision });
    const { refund } = setup();
    const result = await refund(1);
    expect(result.message).toContain('Admin access for 48h is broad');
    expect(result.message).not.toContain('2h');
    expect(bighubDecision(result).data).toMatchObject({
      generation: 'better_decision',
      request_id: expect.stringMatching(/^req_/),
      mode: 'review',
      risk: 0.78,
      reason: decision.reason,
      better_action: decision.better_action,
      salient_factors: decision.salient_factors,
      responsible_action_space: decision.responsible_action_space,
      decision: expect.objectContaining({ mode: 'review' }),
    });
  });

  it('adds better_action and risk to the message when exposeToModel says so', async () => {
    emulator.setRules({ decision });
    const { refund } = setup({ exposeToModel: ['better_action', 'risk'] });
    const result = await refund(1);
    expect(result.message).toContain('Better action: Grant it for 2h Risk: 0.78');
  });

  it('tells the model which context is missing (needs_context)', async () => {
    emulator.setRules({ generation: 'better_decision', requireContext: { refund_payment: ['ticket'] } });
    const { refund } = setup();
    const result = await refund(1);
    expect(result).toMatchObject({ status: 'blocked', reason: 'bighub_needs_context' });
    expect(result.message).toContain('BIGHUB needs more context');
    expect(result.message).toContain('Provide "ticket"');
    expect(bighubDecision(result).data?.missing_context).toEqual(['Provide "ticket" in the action\'s context']);
    const { refund: refundWithTicket } = setup({
      tools: { refund_payment: { metadataFromArgs: () => ({ ticket: 'CHG-1' }) } },
    });
    expect((await refundWithTicket(1)).status).toBe('executed');
  });

  it('carries constraints of a constrained allow in data', async () => {
    emulator.setRules({ decision: { mode: 'constrained', responsible_action_space: { constrained: ['max 2h'] } } });
    const { refund } = setup();
    const result = await refund(1);
    expect(result.status).toBe('executed');
    expect(bighubDecision(result)).toMatchObject({ reason: 'bighub_constrained', data: { constraints: ['max 2h'] } });
  });

  it.each(['legacy', 'recommendation', 'better_decision'] as const)(
    'maps the emulator’s %s answers from its rules',
    async (generation) => {
      emulator.setRules({ generation, maxValue: 1000, requireApprovalAbove: 100, blockedActions: ['wipe'] });
      const { refund } = setup();
      expect((await refund(50)).status).toBe('executed');
      expect((await refund(500)).status).toBe('approval_required');
      expect(await refund(5000)).toMatchObject({ status: 'blocked', reason: 'bighub_blocked' });
    },
  );
});

describe('BighubGate: kill switch', () => {
  it('blocks everything while the kill switch is active', async () => {
    emulator.setRules({ killSwitch: { reason: 'incident 42' } });
    const { refund, ran } = setup();
    const result = await refund(1);
    expect(result).toMatchObject({ status: 'blocked', reason: 'kill_switch_active' });
    expect(result.message).toContain('incident 42');
    expect(ran).toHaveLength(0);
  });

  it('reads the status at most once per ttl, so an activation shows within ttlMs', async () => {
    let now = 5_000_000;
    const { refund } = setup({ killSwitch: { ttlMs: 1000 } }, { now: () => now });
    expect((await refund(1)).status).toBe('executed');
    expect((await refund(1)).status).toBe('executed');
    expect(emulator.requestsTo('kill_switch')).toHaveLength(1);
    await fetch(`${emulator.url}/kill-switch/activate`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'stop', scope: 'global' }),
    });
    now += 999;
    // The cached read is still fresh: the gate does not ask again, and BIGHUB's own decision blocks.
    expect((await refund(1)).reason).toBe('bighub_blocked');
    expect(emulator.requestsTo('kill_switch')).toHaveLength(1);
    now += 1;
    expect(await refund(1)).toMatchObject({ status: 'blocked', reason: 'kill_switch_active' });
    expect(emulator.requestsTo('kill_switch')).toHaveLength(2);
    const submits = emulator.requestsTo('submit').length;
    expect((await refund(1)).reason).toBe('kill_switch_active');
    expect(emulator.requestsTo('submit')).toHaveLength(submits);
  });

  it('can be turned off', async () => {
    const { refund } = setup({ killSwitch: false });
    await refund(1);
    expect(emulator.requestsTo('kill_switch')).toHaveLength(0);
  });
});

describe('BighubGate: fail modes and the circuit breaker', () => {
  let dead: string;
  beforeAll(async () => {
    dead = await deadUrl();
  });

  it('fails closed by default when BIGHUB is unreachable', async () => {
    const gate = new BighubGate({ client: { baseUrl: dead, retry: { retries: 0 } }, telemetry: false });
    const ran: RefundArgs[] = [];
    const runner = new GatedToolRunner({ gates: [gate], tools: [refundTool(ran)] });
    const result = await runner.call('refund_payment', { order_id: 'o', amount: 1 });
    expect(result).toMatchObject({ status: 'blocked', reason: 'store_unavailable', blockedBy: 'bighub' });
    expect(bighubDecision(result).error?.name).toBe('BighubNetworkError');
    expect(ran).toHaveLength(0);
  });

  it('fails open when told to', async () => {
    const gate = new BighubGate({
      client: { baseUrl: dead, retry: { retries: 0 } },
      failMode: 'open',
      telemetry: false,
    });
    const ran: RefundArgs[] = [];
    const runner = new GatedToolRunner({ gates: [gate], tools: [refundTool(ran)] });
    const result = await runner.call('refund_payment', { order_id: 'o', amount: 1 });
    expect(result.status).toBe('executed');
    expect(bighubDecision(result)).toMatchObject({ outcome: 'allow', reason: 'store_unavailable_fail_open' });
    expect(ran).toHaveLength(1);
  });

  it('fails per the fail mode on a timeout', async () => {
    emulator.setRules({ latencyMs: { submit: 2000 } });
    const { refund } = setup({ client: { baseUrl: emulator.url, apiKey: KEY, timeoutMs: 50, retry: { retries: 0 } } });
    const result = await refund(1);
    expect(result).toMatchObject({ status: 'blocked', reason: 'store_unavailable' });
    expect(bighubDecision(result).error?.name).toBe('BighubTimeoutError');
  });

  it('opens the circuit after consecutive outages, answers at once while open, and closes after recovery', async () => {
    emulator.setRules({ faults: { submit: { status: 503 } } });
    const { refund, gate } = setup({ circuitBreaker: { consecutiveFailures: 2, halfOpenAfterMs: 100 } });
    expect((await refund(1)).reason).toBe('store_unavailable');
    expect(gate.stats().circuit).toBe('closed');
    expect((await refund(1)).reason).toBe('store_unavailable');
    expect(gate.stats().circuit).toBe('open');
    const sent = emulator.requestsTo('submit').length;
    const fast = await refund(1);
    expect(fast).toMatchObject({ status: 'blocked', reason: 'store_unavailable', retryAfterMs: 100 });
    expect(bighubDecision(fast).error?.message).toContain('circuit');
    expect(emulator.requestsTo('submit')).toHaveLength(sent);

    emulator.setRules({});
    let result = await refund(1);
    for (let i = 0; i < 100 && result.status !== 'executed'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      result = await refund(1);
    }
    expect(result.status).toBe('executed');
    expect(gate.stats().circuit).toBe('closed');
  });

  it('does not count a 401 as an outage, but still fails closed', async () => {
    const { refund, gate } = setup({
      client: { baseUrl: emulator.url, apiKey: 'wrong', retry: { retries: 0 } },
      circuitBreaker: { consecutiveFailures: 1 },
    });
    const result = await refund(1);
    expect(result).toMatchObject({ status: 'blocked', reason: 'store_unavailable' });
    expect(bighubDecision(result).data).toMatchObject({ status: 401 });
    expect(gate.stats().circuit).toBe('closed');
  });
});

describe('BighubGate: approvals', () => {
  it('round trip: approval_required → runner.approve → resolved on BIGHUB → resume executes', async () => {
    emulator.setRules({ requireApprovalAbove: 100 });
    const { refund, runner, ran, gate } = setup({ telemetry: {} });
    const first = await refund(500);
    expect(first).toMatchObject({ status: 'approval_required', reason: 'bighub_review' });
    const requestId = first.approval!.data.bighub!.request_id as string;
    expect(emulator.state.approvals.get(requestId)).toMatchObject({ status: 'pending', value: 500, target: 'ord_1' });

    const approved = await runner.approve(first.approval!.id, { by: 'alice', comment: 'customer verified' });
    expect(approved).toMatchObject({ ok: true });
    expect(approved.ok && approved.warnings).toBeFalsy();
    expect(emulator.state.approvals.get(requestId)).toMatchObject({
      status: 'approved',
      comment: 'customer verified (by alice)',
    });

    const resumed = await runner.resume(first.approval!.id);
    expect(resumed).toMatchObject({ status: 'executed', result: { refunded: 500 } });
    expect(ran).toHaveLength(1);
    await gate.flush();
    expect(emulator.state.outcomes).toContainEqual(
      expect.objectContaining({ status: 'SUCCESS', request_id: requestId }),
    );
  });

  it('a resume in another process reports the outcome against the original request_id', async () => {
    emulator.setRules({ requireApprovalAbove: 100 });
    const approvals = new MemoryApprovalStore();
    const process = () => {
      const gate = new BighubGate({ client: { baseUrl: emulator.url, apiKey: KEY }, telemetry: {} });
      const ran: RefundArgs[] = [];
      return { gate, ran, runner: new GatedToolRunner({ gates: [gate], tools: [refundTool(ran)], approvals }) };
    };
    const a = process();
    const first = await a.runner.call('refund_payment', { order_id: 'ord_9', amount: 700 });
    const requestId = first.approval!.data.bighub!.request_id as string;
    await a.runner.approve(first.approval!.id, { by: 'alice' });
    // Another process, with its own gate instance and nothing in memory, resumes the call.
    const b = process();
    const resumed = await b.runner.resume(first.approval!.id);
    expect(resumed.status).toBe('executed');
    expect(bighubDecision(resumed)).toMatchObject({ reason: 'approved', data: { asked: { request_id: requestId } } });
    await b.gate.flush();
    expect(emulator.state.outcomes).toContainEqual(
      expect.objectContaining({ status: 'SUCCESS', request_id: requestId }),
    );
    expect(a.ran).toHaveLength(0);
    expect(b.ran).toHaveLength(1);
  });

  it('keeps the fresh request_id when another gate asked for the approval', async () => {
    const ask = {
      name: 'ask',
      stage: 'rule' as const,
      check: () => ({ outcome: 'require_approval' as const, reason: 'ask_human' }),
    };
    const gate = new BighubGate({ client: { baseUrl: emulator.url, apiKey: KEY }, telemetry: {} });
    const ran: RefundArgs[] = [];
    const runner = new GatedToolRunner({ gates: [ask, gate], tools: [refundTool(ran)] });
    const first = await runner.call('refund_payment', { order_id: 'o', amount: 1 });
    expect(first.status).toBe('approval_required');
    await runner.approve(first.approval!.id, { by: 'carol' });
    const resumed = await runner.resume(first.approval!.id);
    expect(resumed.status).toBe('executed');
    const requestId = bighubDecision(resumed).data?.request_id;
    expect(requestId).toMatch(/^req_/);
    await gate.flush();
    expect(emulator.state.outcomes).toContainEqual(
      expect.objectContaining({ status: 'SUCCESS', request_id: requestId }),
    );
  });

  it('a denial is resolved as denied on BIGHUB', async () => {
    emulator.setRules({ requireApprovalAbove: 100, generation: 'better_decision' });
    const { refund, runner } = setup();
    const first = await refund(900);
    const requestId = first.approval!.data.bighub!.request_id as string;
    await runner.deny(first.approval!.id, { by: 'bob' });
    expect(emulator.state.approvals.get(requestId)).toMatchObject({ status: 'denied', comment: 'denied by bob' });
    expect((await runner.resume(first.approval!.id)).reason).toBe('approval_denied');
  });

  it('reports a failed resolve as a runner warning', async () => {
    emulator.setRules({ requireApprovalAbove: 100 });
    const { refund, runner } = setup();
    const first = await refund(500);
    emulator.setRules({ faults: { resolve: { status: 500 } } });
    const approved = await runner.approve(first.approval!.id, { by: 'alice' });
    expect(approved.ok && approved.warnings?.[0]).toContain('bighub.onApprovalDecision failed');
  });
});

describe('BighubGate: telemetry', () => {
  it('ingests memory events and reports outcomes after the call', async () => {
    emulator.setRules({ maxValue: 100 });
    const { refund, gate } = setup({ telemetry: { sourceVersion: 'test@1', model: 'gpt-test' } });
    const ok = await refund(10);
    const blocked = await refund(1000);
    await gate.flush();
    const events = emulator.state.memoryEvents.filter((e) => e.source_version === 'test@1');
    expect(events.map((e) => [e.event_id, e.status])).toEqual([
      [ok.eventId, 'executed'],
      [blocked.eventId, 'blocked'],
    ]);
    expect(events.map((e) => e.seq)).toEqual([0, 1]);
    expect(events[0]).toMatchObject({
      schema_version: 1,
      tool: 'refund_payment',
      call_id: ok.callId,
      arguments: { amount: 10 },
    });
    expect(events[0]).not.toHaveProperty('output');
    const ingest = emulator.requestsTo('memory_ingest')[0]!.body as Record<string, unknown>;
    expect(ingest).toMatchObject({ source: 'tollgate', model: 'gpt-test', redact: true, trace_id: ok.traceId });
    const okId = bighubDecision(ok).data?.request_id;
    const blockedId = bighubDecision(blocked).data?.request_id;
    expect(emulator.state.outcomes).toContainEqual(expect.objectContaining({ status: 'SUCCESS', request_id: okId }));
    expect(emulator.state.outcomes).toContainEqual(
      expect.objectContaining({ status: 'BLOCKED', request_id: blockedId }),
    );
    expect(gate.stats()).toMatchObject({
      memory: { sent: 2, failed: 0 },
      outcomes: { sent: 2, failed: 0 },
      pending: 0,
    });
  });

  it('never blocks the call: the result arrives while BIGHUB still holds the ingest', async () => {
    emulator.setRules({ latencyMs: { memory_ingest: 5000, outcomes: 5000 } });
    const { refund, gate } = setup({ telemetry: { timeoutMs: 200 } });
    const result = await refund(1);
    expect(result.status).toBe('executed');
    expect(gate.stats().pending).toBe(2);
    expect(emulator.requestsTo('memory_ingest').every((r) => !r.answered)).toBe(true);
    expect(emulator.state.memoryEvents.some((e) => e.event_id === result.eventId)).toBe(false);
    await gate.flush();
    expect(gate.stats()).toMatchObject({
      memory: { sent: 0, failed: 1 },
      outcomes: { sent: 0, failed: 1 },
      pending: 0,
    });
  });

  it('skips telemetry while the circuit is open', async () => {
    emulator.setRules({ faults: { submit: { status: 503 } } });
    const { refund, gate } = setup({
      failMode: 'open',
      telemetry: {},
      circuitBreaker: { consecutiveFailures: 1, halfOpenAfterMs: 60_000 },
    });
    await refund(1);
    await refund(1);
    await gate.flush();
    expect(gate.stats()).toMatchObject({ circuit: 'open', skipped: 2 });
  });
});
