import { describe, expect, it } from 'vitest';
import { BighubConflictError, BighubValidationError, EXECUTION_DOMAINS, type RuleCreate } from '../src/index.js';
import { withEmulator } from './with-emulator.js';

const t = withEmulator();

const pricing: RuleCreate = {
  name: 'Pricing Safety Rule',
  domain: 'financial_actions',
  actions: ['update_price'],
  max_per_day: 100,
  max_value: 1000,
  require_approval_above: 500,
};

describe('client.rules', () => {
  it('creates a rule that changes the emulator’s decisions at once; paused, it stops; deleted, it is gone', async () => {
    const c = t.client();
    const price = (value: number, action = 'update_price') =>
      c.actions.submit({ action, value, domain: 'financial_actions', actor: 'AI_AGENT_001' });
    await expect(price(800)).resolves.toMatchObject({ allowed: true });
    const rule = await c.rules.create(pricing);
    expect(rule).toMatchObject({ ...pricing, status: 'active', version: 1 });
    expect(rule.rule_id).toMatch(/^rule_/);
    await expect(price(800)).resolves.toMatchObject({ result: 'requires_approval', rule_id: rule.rule_id });
    await expect(price(1500)).resolves.toMatchObject({ allowed: false, blocked_by: 'max_value' });
    await expect(price(800, 'other_action')).resolves.toMatchObject({ allowed: true }); // not in `actions`
    await expect(c.actions.submit({ action: 'update_price', value: 800, domain: 'custom' })).resolves.toMatchObject({
      allowed: true,
    }); // another domain
    await expect(c.rules.pause(rule.rule_id)).resolves.toMatchObject({ status: 'paused', version: 2 });
    await expect(price(800)).resolves.toMatchObject({ allowed: true });
    await expect(c.rules.resume(rule.rule_id)).resolves.toMatchObject({ status: 'active', version: 3 });
    await expect(price(800)).resolves.toMatchObject({ result: 'requires_approval' });
    await expect(c.rules.delete(rule.rule_id)).resolves.toMatchObject({ deleted: true });
    await expect(price(800)).resolves.toMatchObject({ allowed: true });
    await expect(c.rules.get(rule.rule_id)).rejects.toMatchObject({ status: 404 });
  });

  it('counts max_per_day over the actions the rule let through', async () => {
    const c = t.client();
    const rule = await c.rules.create({ name: 'Two a day', domain: 'operational_systems', max_per_day: 2 });
    const send = () => c.actions.submit({ action: 'create_ticket', domain: 'operational_systems' });
    await expect(send()).resolves.toMatchObject({ allowed: true });
    await c.actions.dryRun({ action: 'create_ticket', domain: 'operational_systems' }); // not counted
    await expect(send()).resolves.toMatchObject({ allowed: true });
    await expect(send()).resolves.toMatchObject({ allowed: false, blocked_by: 'max_per_day' });
    await c.rules.delete(rule.rule_id);
  });

  it('lists, gets and updates (the seed’s RuleUpdateModel), keeping every version', async () => {
    const c = t.client();
    const rule = await c.rules.create({ ...pricing, domain: 'customer_transactions' });
    const updated = await c.rules.update(rule.rule_id, { require_approval_above: 650, tags: ['ops', 'financial'] });
    expect(updated).toMatchObject({ require_approval_above: 650, tags: ['ops', 'financial'], version: 2 });
    expect(updated.updated_at >= rule.updated_at).toBe(true);
    await expect(c.rules.get(rule.rule_id)).resolves.toEqual(updated);
    const listed = await c.rules.list({ domain: 'customer_transactions' });
    expect(listed.map((r) => r.rule_id)).toContain(rule.rule_id);
    expect(listed.every((r) => r.domain === 'customer_transactions')).toBe(true);
    await c.rules.pause(rule.rule_id);
    expect((await c.rules.list({ status: 'active' })).map((r) => r.rule_id)).not.toContain(rule.rule_id);
    expect((await c.rules.list({ status: 'paused', limit: 1000 })).map((r) => r.rule_id)).toContain(rule.rule_id);
    const versions = await c.rules.versions(rule.rule_id);
    expect(versions.map((v) => [v.version, v.change])).toEqual([
      [1, 'created'],
      [2, 'updated'],
      [3, 'paused'],
    ]);
    expect(versions[0]!.rule.require_approval_above).toBe(500);
    await expect(c.rules.update(rule.rule_id, { domain: 'nowhere' as never })).rejects.toBeInstanceOf(
      BighubValidationError,
    );
    await c.rules.delete(rule.rule_id);
  });

  it('refuses an invalid rule with every problem named', async () => {
    const c = t.client();
    const err = await c.rules
      .create({ name: '', domain: 'payments', max_value: -1, colour: 'red' } as never)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BighubValidationError);
    const fields = ((err as BighubValidationError).details as { loc: string[] }[]).map((d) => d.loc[1]);
    expect(fields.sort()).toEqual(['colour', 'domain', 'max_value', 'name']);
  });

  it('applies a JSON Patch: preview first, then apply at the previewed version; a stale version is a typed conflict', async () => {
    const c = t.client();
    const rule = await c.rules.create({ ...pricing, domain: 'infrastructure_devops' });
    const patch = [{ op: 'replace' as const, path: '/require_approval_above', value: 400 }];
    const preview = await c.rules.applyPatch(rule.rule_id, patch, { preview: true });
    expect(preview).toMatchObject({ preview: true, applied: false, risk_increasing: false });
    expect(preview.before.require_approval_above).toBe(500);
    expect(preview.after).toMatchObject({ require_approval_above: 400, version: 1 });
    await expect(c.rules.get(rule.rule_id)).resolves.toMatchObject({ require_approval_above: 500, version: 1 });

    await c.rules.update(rule.rule_id, { description: 'someone else changed it' }); // now version 2
    const before = t.emulator.requestsTo('rules_apply_patch').length;
    const stale = await c.rules
      .applyPatch(rule.rule_id, patch, { ifMatchVersion: preview.after.version })
      .catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(BighubConflictError);
    expect(stale).toMatchObject({ status: 409, code: 'version_conflict', currentVersion: 2, expectedVersion: 1 });
    expect(t.emulator.requestsTo('rules_apply_patch').length - before).toBe(1); // never retried
    await expect(c.rules.get(rule.rule_id)).resolves.toMatchObject({ require_approval_above: 500, version: 2 });

    const fresh = await c.rules.applyPatch(rule.rule_id, patch, { preview: true });
    const applied = await c.rules.applyPatch(rule.rule_id, patch, { ifMatchVersion: fresh.after.version });
    expect(applied).toMatchObject({ applied: true, preview: false });
    expect(applied.after).toMatchObject({ require_approval_above: 400, version: 3 });
    await expect(
      c.actions.submit({ action: 'update_price', value: 450, domain: 'infrastructure_devops' }),
    ).resolves.toMatchObject({ result: 'requires_approval' });
    expect((await c.rules.versions(rule.rule_id)).at(-1)).toMatchObject({ version: 3, change: 'patch_applied' });
    await c.rules.delete(rule.rule_id);
  });

  it('applies all of a patch or none of it, flags loosening patches, and keeps BIGHUB’s fields read-only', async () => {
    const c = t.client();
    const rule = await c.rules.create({ ...pricing, domain: 'custom' });
    const failing = await c.rules
      .applyPatch(rule.rule_id, [
        { op: 'replace', path: '/max_value', value: 10 },
        { op: 'test', path: '/name', value: 'not the name' },
      ])
      .catch((e: unknown) => e);
    expect(failing).toBeInstanceOf(BighubValidationError);
    await expect(c.rules.get(rule.rule_id)).resolves.toMatchObject({ max_value: 1000, version: 1 });
    await expect(
      c.rules.applyPatch(rule.rule_id, [{ op: 'replace', path: '/version', value: 99 }]),
    ).rejects.toBeInstanceOf(BighubValidationError);
    await expect(
      c.rules.applyPatch(rule.rule_id, [{ op: 'replace', path: '/max_value', value: 'lots' }]),
    ).rejects.toBeInstanceOf(BighubValidationError);
    const loosen = await c.rules.applyPatch(rule.rule_id, [{ op: 'remove', path: '/max_value' }], { preview: true });
    expect(loosen.risk_increasing).toBe(true);
    expect(loosen.after.max_value).toBeUndefined();
    const widen = await c.rules.applyPatch(rule.rule_id, [{ op: 'add', path: '/actions/-', value: 'refund' }], {
      preview: true,
    });
    expect(widen).toMatchObject({ risk_increasing: false, after: { actions: ['update_price', 'refund'] } });
    await c.rules.delete(rule.rule_id);
  });

  it('dry-runs an action against the rules, and a candidate rule against an action, recording nothing', async () => {
    const c = t.client();
    const rule = await c.rules.create({ ...pricing, domain: 'data_modifications', actions: undefined });
    const recorded = t.emulator.state.actions.length;
    const dry = await c.rules.dryRun({ action: 'delete_rows', value: 700, domain: 'data_modifications' });
    expect(dry).toMatchObject({ decision: { result: 'requires_approval' }, matched_rules: [rule.rule_id] });
    const candidate = { name: 'Stricter', domain: 'data_modifications' as const, max_value: 100 };
    await expect(c.rules.validate(candidate)).resolves.toEqual({ valid: true, errors: [] });
    const invalid = await c.rules.validate({ name: 'x', domain: 'data_modifications', max_per_day: 0 });
    expect(invalid).toEqual({ valid: false, errors: [{ field: 'max_per_day', message: 'must be an integer >= 1' }] });
    const both = await c.rules.validateDryRun(candidate, {
      action: 'delete_rows',
      value: 200,
      domain: 'data_modifications',
    });
    expect(both).toMatchObject({ valid: true, decision: { allowed: false, blocked_by: 'max_value' } });
    expect(both.matched_rules).toEqual([rule.rule_id, 'rule_candidate']);
    await expect(
      c.rules.validateDryRun({ ...candidate, domain: 'x' as never }, { action: 'a' }),
    ).resolves.toMatchObject({ valid: false });
    expect(t.emulator.state.actions.length).toBe(recorded);
    expect(t.emulator.state.rules.size).toBe(1);
    await c.rules.delete(rule.rule_id);
  });

  it('lists the six execution domains', async () => {
    const domains = await t.client().rules.domains();
    expect(domains.map((d) => d.domain)).toEqual([...EXECUTION_DOMAINS]);
    expect(domains.every((d) => d.description.length > 0)).toBe(true);
  });

  it('purges idempotency keys, so a key applies again', async () => {
    const c = t.client();
    const first = await c.actions.submit({ action: 'once' }, { idempotencyKey: 'key-1' });
    const again = await c.actions.submit({ action: 'once' }, { idempotencyKey: 'key-1' });
    expect(again.request_id).toBe(first.request_id);
    await expect(c.rules.purgeIdempotency({ olderThanHours: 1 })).resolves.toEqual({ purged: 0 });
    const { purged } = await c.rules.purgeIdempotency();
    expect(purged).toBeGreaterThanOrEqual(1);
    const fresh = await c.actions.submit({ action: 'once' }, { idempotencyKey: 'key-1' });
    expect(fresh.request_id).not.toBe(first.request_id);
  });
});
