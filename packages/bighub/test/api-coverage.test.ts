import { describe, expect, it } from 'vitest';
import { EMULATOR_ENDPOINTS, type EmulatorEndpoint } from '../src/emulator/index.js';
import type { BighubClient } from '../src/index.js';
import { withEmulator } from './with-emulator.js';

const t = withEmulator();

type Namespace = Exclude<keyof BighubClient, 'baseUrl'>;

/** One call per client method, with the endpoint it must reach. Ids come from earlier calls. */
function calls(
  c: BighubClient,
  ids: Record<string, string>,
): [Namespace, string, EmulatorEndpoint, () => Promise<unknown>][] {
  return [
    ['actions', 'submit', 'submit', () => c.actions.submit({ action: 'a', value: 1 })],
    ['actions', 'submitV2', 'submit_v2', () => c.actions.submitV2({ action: 'a', domain: 'custom' })],
    ['actions', 'dryRun', 'dry_run', () => c.actions.dryRun({ action: 'a' })],
    ['actions', 'evaluate', 'evaluate', () => c.actions.evaluate({ action: 'a', actor: 'b' })],
    ['actions', 'verifyValidation', 'verify_validation', () => c.actions.verifyValidation({ validation_hash: 'x' })],
    ['actions', 'status', 'action_status', () => c.actions.status(ids.request!)],
    ['actions', 'observerStats', 'observer_stats', () => c.actions.observerStats()],
    ['actions', 'dashboardSummary', 'dashboard_summary', () => c.actions.dashboardSummary()],
    [
      'actions',
      'ingestMemory',
      'memory_ingest',
      () => c.actions.ingestMemory({ source: 's', source_version: 'v', events: [] }),
    ],
    ['actions', 'memoryContext', 'memory_context', () => c.actions.memoryContext()],
    ['actions', 'refreshMemoryAggregates', 'memory_refresh', () => c.actions.refreshMemoryAggregates()],
    ['actions', 'memoryRecommendations', 'memory_recommendations', () => c.actions.memoryRecommendations()],
    ['outcomes', 'report', 'outcomes', () => c.outcomes.report({ status: 'SUCCESS' })],
    ['approvals', 'list', 'approvals', () => c.approvals.list()],
    ['approvals', 'resolve', 'resolve', () => c.approvals.resolve(ids.approval!, { resolution: 'denied' })],
    ['killSwitch', 'status', 'kill_switch', () => c.killSwitch.status()],
    ['killSwitch', 'activate', 'kill_switch_activate', () => c.killSwitch.activate({ reason: 'r' })],
    ['killSwitch', 'deactivate', 'kill_switch_deactivate', () => c.killSwitch.deactivate()],
    ['rules', 'create', 'rules_create', () => c.rules.create({ name: 'r', domain: 'custom' })],
    ['rules', 'list', 'rules_list', () => c.rules.list()],
    ['rules', 'domains', 'rules_domains', () => c.rules.domains()],
    ['rules', 'dryRun', 'rules_dry_run', () => c.rules.dryRun({ action: 'a' })],
    ['rules', 'validate', 'rules_validate', () => c.rules.validate({ name: 'r', domain: 'custom' })],
    [
      'rules',
      'validateDryRun',
      'rules_validate_dry_run',
      () => c.rules.validateDryRun({ name: 'r', domain: 'custom' }, { action: 'a' }),
    ],
    ['rules', 'purgeIdempotency', 'rules_purge_idempotency', () => c.rules.purgeIdempotency()],
    ['rules', 'get', 'rules_get', () => c.rules.get(ids.rule!)],
    ['rules', 'update', 'rules_update', () => c.rules.update(ids.rule!, { max_value: 5 })],
    ['rules', 'pause', 'rules_pause', () => c.rules.pause(ids.rule!)],
    ['rules', 'resume', 'rules_resume', () => c.rules.resume(ids.rule!)],
    ['rules', 'applyPatch', 'rules_apply_patch', () => c.rules.applyPatch(ids.rule!, [], { preview: true })],
    ['rules', 'versions', 'rules_versions', () => c.rules.versions(ids.rule!)],
    ['rules', 'delete', 'rules_delete', () => c.rules.delete(ids.rule!)],
    ['events', 'list', 'events_list', () => c.events.list()],
    ['events', 'stats', 'events_stats', () => c.events.stats()],
    ['apiKeys', 'create', 'api_keys_create', () => c.apiKeys.create({ label: 'k', scopes: ['rules:read'] })],
    ['apiKeys', 'list', 'api_keys_list', () => c.apiKeys.list()],
    ['apiKeys', 'scopes', 'api_keys_scopes', () => c.apiKeys.scopes()],
    ['apiKeys', 'validate', 'api_keys_validate', () => c.apiKeys.validate('bhk_x')],
    ['apiKeys', 'rotate', 'api_keys_rotate', () => c.apiKeys.rotate(ids.key!)],
    ['apiKeys', 'revoke', 'api_keys_revoke', () => c.apiKeys.revoke(ids.key!)],
    ['auth', 'signup', 'auth_signup', () => c.auth.signup({ email: 'cover@x.io', password: 'password1' })],
    ['auth', 'login', 'auth_login', () => c.auth.login({ email: 'cover@x.io', password: 'password1' })],
    ['auth', 'refresh', 'auth_refresh', () => c.auth.refresh()],
    ['auth', 'logout', 'auth_logout', () => c.auth.logout()],
    ['webhooks', 'create', 'webhooks_create', () => c.webhooks.create({ url: 'http://127.0.0.1:9/x', events: ['*'] })],
    ['webhooks', 'list', 'webhooks_list', () => c.webhooks.list()],
    ['webhooks', 'listEvents', 'webhooks_events', () => c.webhooks.listEvents()],
    ['webhooks', 'get', 'webhooks_get', () => c.webhooks.get(ids.webhook!)],
    ['webhooks', 'update', 'webhooks_update', () => c.webhooks.update(ids.webhook!, { label: 'l' })],
    ['webhooks', 'test', 'webhooks_test', () => c.webhooks.test(ids.webhook!)],
    ['webhooks', 'deliveries', 'webhooks_deliveries', () => c.webhooks.deliveries(ids.webhook!)],
    [
      'webhooks',
      'replayFailedDelivery',
      'webhooks_replay',
      () => c.webhooks.replayFailedDelivery(ids.webhook!, Number(ids.delivery)),
    ],
    ['webhooks', 'delete', 'webhooks_delete', () => c.webhooks.delete(ids.webhook!)],
  ];
}

describe('the client and the emulator cover each other', () => {
  it('every client method reaches its endpoint, and every endpoint has a client method', async () => {
    const c = t.client();
    t.emulator.setRules({ requireApprovalAbove: 0 });
    const ids: Record<string, string> = {};
    const table = calls(c, ids);
    for (const [namespace, method, endpoint, call] of table) {
      const before = t.emulator.requestsTo(endpoint).length;
      const answer = (await call()) as Record<string, unknown>;
      expect(t.emulator.requestsTo(endpoint).length - before, `${namespace}.${method}`).toBe(1);
      expect(t.emulator.requestsTo(endpoint).at(-1)!.status, `${namespace}.${method}`).toBeLessThan(300);
      if (method === 'submit') {
        ids.request = answer.request_id as string;
        ids.approval = answer.request_id as string;
      }
      if (namespace === 'rules' && method === 'create') ids.rule = answer.rule_id as string;
      if (namespace === 'apiKeys' && method === 'create') ids.key = answer.key_id as string;
      if (namespace === 'apiKeys' && method === 'rotate') ids.key = answer.key_id as string;
      if (namespace === 'webhooks' && method === 'create') ids.webhook = answer.webhook_id as string;
      if (namespace === 'webhooks' && method === 'test') ids.delivery = String(answer.delivery_id); // port 9: fails
    }
    expect(new Set(table.map((row) => row[2]))).toEqual(new Set(EMULATOR_ENDPOINTS));
    const methods = new Set(table.map(([ns, m]) => `${ns}.${m}`));
    for (const ns of [
      'actions',
      'outcomes',
      'approvals',
      'killSwitch',
      'rules',
      'events',
      'apiKeys',
      'auth',
      'webhooks',
    ] as const) {
      const proto = Object.getPrototypeOf(c[ns]) as object;
      for (const name of Object.getOwnPropertyNames(proto).filter(
        (n) => n !== 'constructor' && !n.startsWith('keep'),
      )) {
        expect(methods, `${ns}.${name} has no row`).toContain(`${ns}.${name}`);
      }
    }
  });
});
