import { describe, expect, it } from 'vitest';
import { BighubConflictError, BighubValidationError } from '../src/index.js';
import { withEmulator } from './with-emulator.js';

const t = withEmulator();

describe('client.killSwitch', () => {
  it('blocks every decision while active, whatever the rules say, and releases them when deactivated', async () => {
    const c = t.client();
    t.emulator.setRules({ decision: { allowed: true, result: 'allowed' } }); // a fixed allow, too
    await expect(c.killSwitch.status()).resolves.toEqual({ active: false });
    const on = await c.killSwitch.activate({ reason: 'incident 42' });
    expect(on).toMatchObject({ active: true, reason: 'incident 42', scope: 'global' });
    await expect(c.killSwitch.status()).resolves.toMatchObject({ active: true, reason: 'incident 42' });
    for (const decide of [
      () => c.actions.submit({ action: 'refund', value: 1 }),
      () => c.actions.submitV2({ action: 'refund', value: 1, domain: 'financial_actions' }),
      () => c.actions.evaluate({ action: 'refund', actor: 'a' }),
      () => c.actions.dryRun({ action: 'refund' }),
    ]) {
      await expect(decide()).resolves.toMatchObject({ allowed: false, blocked_by: 'kill_switch' });
    }
    await expect(c.rules.dryRun({ action: 'x' })).resolves.toMatchObject({ decision: { blocked_by: 'kill_switch' } });
    await expect(c.killSwitch.deactivate({ reason: 'resolved' })).resolves.toEqual({ active: false });
    await expect(c.actions.submit({ action: 'refund' })).resolves.toMatchObject({ allowed: true });
  });

  it('scoped to a domain, blocks only that domain', async () => {
    const c = t.client();
    await expect(c.killSwitch.activate({ reason: 'x', scope: 'domain' })).rejects.toBeInstanceOf(BighubValidationError);
    await c.killSwitch.activate({ reason: 'payments down', scope: 'domain', domain: 'financial_actions' });
    await expect(c.actions.submit({ action: 'pay', domain: 'financial_actions' })).resolves.toMatchObject({
      blocked_by: 'kill_switch',
    });
    await expect(c.actions.submit({ action: 'deploy', domain: 'infrastructure_devops' })).resolves.toMatchObject({
      allowed: true,
    });
    await c.killSwitch.deactivate();
  });
});

describe('client.events', () => {
  it('lists control-plane events newest first, by type and time, and counts them', async () => {
    const c = t.client();
    const start = new Date().toISOString();
    const rule = await c.rules.create({ name: 'Evented', domain: 'custom', max_value: 5 });
    await c.rules.update(rule.rule_id, { max_value: 6 });
    await c.actions.submit({ action: 'x', value: 10, domain: 'custom' });
    const all = await c.events.list({ since: start, limit: 10 });
    expect(all.map((e) => e.event_type)).toEqual(['decision_event.created', 'rule.updated', 'rule.created']);
    expect(all[0]!.data).toMatchObject({ result: 'blocked', blocked_by: 'max_value', rule_id: rule.rule_id });
    const updates = await c.events.list({ eventType: 'rule.updated', limit: 20 });
    expect(updates[0]!.data).toMatchObject({ rule_id: rule.rule_id, version: 2, changed: ['max_value'] });
    expect(t.emulator.requestsTo('events_list').at(-1)!.query).toEqual({ event_type: 'rule.updated', limit: '20' });
    const stats = await c.events.stats({ windowHours: 1 });
    expect(stats.window_hours).toBe(1);
    expect(stats.by_type['rule.created']).toBeGreaterThanOrEqual(1);
    expect(stats.total).toBe(Object.values(stats.by_type).reduce((a, b) => a + b, 0));
    await expect(c.events.list({ since: 'yesterday' })).rejects.toBeInstanceOf(BighubValidationError);
    await c.rules.delete(rule.rule_id);
  });
});

describe('client.approvals', () => {
  it('lists pending approvals and resolves one once (the seed’s status_filter and resolution)', async () => {
    t.emulator.setRules({ requireApprovalAbove: 10 });
    const c = t.client();
    const d = await c.actions.submit({ action: 'grant', value: 11, actor: 'ops-agent' });
    const pending = await c.approvals.list({ status: 'pending', limit: 50 });
    expect(pending.find((a) => a.request_id === d.request_id)).toMatchObject({ action: 'grant', actor: 'ops-agent' });
    const resolved = await c.approvals.resolve(d.request_id!, {
      resolution: 'approved',
      comment: 'approved by on-call',
    });
    expect(resolved).toMatchObject({ status: 'approved', comment: 'approved by on-call' });
    expect((await c.approvals.list()).map((a) => a.request_id)).not.toContain(d.request_id);
    expect((await c.approvals.list({ status: 'approved' })).map((a) => a.request_id)).toContain(d.request_id);
    const before = t.emulator.requestsTo('resolve').length;
    const again = await c.approvals.resolve(d.request_id!, { resolution: 'denied' }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(BighubConflictError);
    expect(again).toMatchObject({ code: 'already_resolved' });
    expect(t.emulator.requestsTo('resolve').length - before).toBe(1); // a named conflict is final
    const events = await c.events.list({ eventType: 'approval.resolved', limit: 1 });
    expect(events[0]!.data).toMatchObject({ request_id: d.request_id, status: 'approved' });
  });
});

describe('client.outcomes', () => {
  it('reports an outcome', async () => {
    const c = t.client();
    await expect(c.outcomes.report({ status: 'SUCCESS', request_id: 'req_x' })).resolves.toMatchObject({
      recorded: true,
    });
    expect(t.emulator.state.outcomes.at(-1)).toEqual({ status: 'SUCCESS', request_id: 'req_x' });
  });
});
