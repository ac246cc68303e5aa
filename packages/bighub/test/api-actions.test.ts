import { describe, expect, it } from 'vitest';
import { BighubValidationError, type MemoryEvent } from '../src/index.js';
import { withEmulator } from './with-emulator.js';

const t = withEmulator();

function memoryEvent(
  i: number,
  status: string,
  decision: Record<string, unknown>,
  tool = 'refund_payment',
): MemoryEvent {
  return {
    event_id: `ev-${tool}-${status}-${i}-${Math.random()}`,
    seq: i,
    schema_version: 1,
    source_version: 'test@1',
    tool,
    status,
    decision,
    timestamp: new Date().toISOString(),
  };
}

describe('client.actions', () => {
  it('submits through every decision endpoint, typed v2 included', async () => {
    t.emulator.setRules({ maxValue: 100 });
    const c = t.client();
    await expect(c.actions.submit({ action: 'refund', value: 5, domain: 'financial_actions' })).resolves.toMatchObject({
      allowed: true,
    });
    const v2 = await c.actions.submitV2({
      action: 'update_price',
      value: 150,
      target: 'product_123',
      domain: 'financial_actions',
      context: { reason: 'promo' },
    });
    expect(v2).toMatchObject({ allowed: false, blocked_by: 'max_value' });
    await expect(c.actions.dryRun({ action: 'refund', value: 500 })).resolves.toMatchObject({ allowed: false });
    await expect(c.actions.evaluate({ action: 'refund', actor: 'a', value: 1 })).resolves.toMatchObject({
      allowed: true,
    });
  });

  it('verifies a validation hash it issued, bound to its request id', async () => {
    const c = t.client();
    const d = await c.actions.submit({ action: 'refund', value: 7, actor: 'verify-me' });
    const hash = d.validation_hash!;
    await expect(c.actions.verifyValidation({ validation_hash: hash })).resolves.toMatchObject({
      valid: true,
      request_id: d.request_id,
      action: 'refund',
      result: 'allowed',
    });
    await expect(
      c.actions.verifyValidation({ validation_hash: hash, request_id: d.request_id! }),
    ).resolves.toMatchObject({ valid: true });
    await expect(c.actions.verifyValidation({ validation_hash: hash, request_id: 'req_other' })).resolves.toMatchObject(
      { valid: false },
    );
    await expect(c.actions.verifyValidation({ validation_hash: 'f'.repeat(64) })).resolves.toMatchObject({
      valid: false,
    });
    // A verification changes nothing: no Idempotency-Key.
    expect(t.emulator.requestsTo('verify_validation').every((r) => r.idempotencyKey === undefined)).toBe(true);
  });

  it('reports an action’s status, through its approval', async () => {
    t.emulator.setRules({ requireApprovalAbove: 10, maxValue: 1000 });
    const c = t.client();
    const allowed = await c.actions.submit({ action: 'refund', value: 1 });
    await expect(c.actions.status(allowed.request_id!)).resolves.toMatchObject({ status: 'allowed', action: 'refund' });
    const blocked = await c.actions.submit({ action: 'refund', value: 5000 });
    await expect(c.actions.status(blocked.request_id!)).resolves.toMatchObject({ status: 'blocked' });
    const asked = await c.actions.submit({ action: 'refund', value: 50 });
    await expect(c.actions.status(asked.request_id!)).resolves.toMatchObject({ status: 'pending_approval' });
    await c.approvals.resolve(asked.request_id!, { resolution: 'approved', comment: 'ok' });
    const after = await c.actions.status(asked.request_id!);
    expect(after).toMatchObject({ status: 'approved', request_id: asked.request_id });
    expect(after.resolved_at).toEqual(expect.any(String));
    await expect(c.actions.status('req_unknown')).rejects.toMatchObject({ status: 404 });
  });

  it('counts decisions for the observer and the dashboard', async () => {
    const c = t.client();
    const before = await c.actions.observerStats({ domain: 'customer_transactions' });
    t.emulator.setRules({ maxValue: 100, requireApprovalAbove: 50 });
    for (const value of [1, 2, 60, 500]) {
      await c.actions.submit({ action: 'refund', value, domain: 'customer_transactions' });
    }
    await c.actions.dryRun({ action: 'refund', value: 1, domain: 'customer_transactions' }); // not counted
    const stats = await c.actions.observerStats({ domain: 'customer_transactions', windowHours: 1 });
    expect(stats.total - before.total).toBe(4);
    expect(stats.allowed - before.allowed).toBe(2);
    expect(stats.requires_approval - before.requires_approval).toBe(1);
    expect(stats.blocked - before.blocked).toBe(1);
    expect(stats.blocked_by.max_value).toBeGreaterThanOrEqual(1);
    expect(stats.window_hours).toBe(1);
    expect(t.emulator.requestsTo('observer_stats').at(-1)!.query).toEqual({
      domain: 'customer_transactions',
      window_hours: '1',
    });
    const summary = await c.actions.dashboardSummary();
    expect(summary.actions.total).toBeGreaterThanOrEqual(4);
    expect(summary.approvals.pending).toBeGreaterThanOrEqual(1);
    expect(summary.kill_switch).toEqual({ active: false });
  });

  it('memory context: a blocked event with blocked_by but no reason counts under its blocked_by', async () => {
    const c = t.client();
    const tool = 'ctx_blocked_by';
    await c.actions.ingestMemory({
      source: 'openai_adapter',
      source_version: 'bighub-openai@0.2.3',
      actor: 'AI_AGENT_001',
      domain: 'customer_transactions',
      events: [
        // The seed's own example event: blocked_by, and no reason.
        memoryEvent(
          0,
          'blocked',
          { allowed: false, result: 'blocked', blocked_by: 'max_value', risk_score: 0.91 },
          tool,
        ),
        memoryEvent(1, 'blocked', { reason: 'Over the limit', blocked_by: 'max_value' }, tool),
        memoryEvent(2, 'blocked', {}, tool),
        memoryEvent(3, 'executed', { allowed: true, risk_score: 0.1 }, tool),
      ],
    });
    const ctx = await c.actions.memoryContext({ tool, windowHours: 24 });
    expect(ctx.total_events).toBe(4);
    expect(ctx.blocked_rate).toBe(0.75);
    expect(ctx.top_block_reasons).toEqual(
      expect.arrayContaining([
        { reason: 'max_value', count: 1 },
        { reason: 'Over the limit', count: 1 },
        { reason: 'unknown', count: 1 },
      ]),
    );
    expect(ctx.top_block_reasons).toHaveLength(3);
  });

  it('refreshes memory aggregates', async () => {
    const c = t.client();
    const answer = await c.actions.refreshMemoryAggregates({ concurrent: true, window_hours: 24 });
    expect(answer).toMatchObject({ refreshed: true, concurrent: true, window_hours: 24 });
    expect(t.emulator.state.memoryRefreshedAt).toEqual(answer.refreshed_at);
    await expect(c.actions.refreshMemoryAggregates({ concurrent: 'yes' as never })).rejects.toBeInstanceOf(
      BighubValidationError,
    );
  });

  it('recommends a safe patch from memory, which previews and applies with optimistic locking', async () => {
    const c = t.client();
    const rule = await c.rules.create({
      name: 'Refund limits',
      domain: 'customer_transactions',
      actions: ['refund_payment'],
      max_value: 1000,
    });
    const scope = { domain: 'customer_transactions', tool: 'recommend_me', actor: 'AI_AGENT_001' } as const;
    const events = Array.from({ length: 24 }, (_, i) =>
      memoryEvent(i, i % 2 ? 'blocked' : 'executed', { blocked_by: 'max_value' }, 'recommend_me'),
    );
    await c.actions.ingestMemory({
      source: 'test',
      source_version: 'test@1',
      actor: scope.actor,
      domain: scope.domain,
      events,
    });
    const none = await c.actions.memoryRecommendations({ window_hours: 24, scope, min_events: 100 });
    expect(none.recommendations).toEqual([]);
    const { recommendations } = await c.actions.memoryRecommendations({ window_hours: 24, scope, min_events: 20 });
    const rec = recommendations.find((r) => r.target_rule_id === rule.rule_id)!;
    expect(rec).toMatchObject({
      is_safe_patch: true,
      risk_increasing_patch: false,
      requires_human_review: true,
      time_window_hours: 24,
      suggested_policy_patch: [{ op: 'add', path: '/require_approval_above', value: 500 }],
      apply_endpoint: `/rules/${rule.rule_id}/apply_patch`,
    });
    // The seed's one-click safe apply: preview, then apply at the previewed version.
    const preview = await c.rules.applyPatch(rec.target_rule_id, rec.suggested_policy_patch, { preview: true });
    expect(preview).toMatchObject({ preview: true, applied: false, risk_increasing: false });
    const applied = await c.rules.applyPatch(rec.target_rule_id, rec.suggested_policy_patch, {
      ifMatchVersion: preview.after.version,
    });
    expect(applied.after).toMatchObject({ require_approval_above: 500, version: rule.version + 1 });
    await c.rules.delete(rule.rule_id);
  });

  it('auto-applies only safe patches', async () => {
    const c = t.client();
    const rule = await c.rules.create({ name: 'Auto', domain: 'data_modifications', max_value: 40 });
    const scope = { domain: 'data_modifications', tool: 'auto_tool' } as const;
    await c.actions.ingestMemory({
      source: 'test',
      source_version: 'test@1',
      domain: scope.domain,
      events: Array.from({ length: 4 }, (_, i) => memoryEvent(i, 'approval_required', {}, 'auto_tool')),
    });
    const { recommendations } = await c.actions.memoryRecommendations({ scope, min_events: 2, auto_apply: true });
    expect(recommendations.find((r) => r.target_rule_id === rule.rule_id)).toMatchObject({
      applied: true,
      requires_human_review: false,
    });
    await expect(c.rules.get(rule.rule_id)).resolves.toMatchObject({ require_approval_above: 20, version: 2 });
    await c.rules.delete(rule.rule_id);
  });
});
