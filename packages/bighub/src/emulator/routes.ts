import * as accounts from './accounts.js';
import * as actions from './actions.js';
import type { EmulatorEndpoint } from './config.js';
import * as control from './control.js';
import type { EmulatorCore } from './core.js';
import type { Answer, HandlerRequest } from './http.js';
import * as policy from './policy.js';
import * as webhooks from './webhooks.js';

/** Remembered answers to `Idempotency-Key`s, by method, path and key. */
export type Replays = Map<string, Answer & { at: number }>;

/** One endpoint: how it is reached, the scope it needs (`null`: no authentication), and its handler. */
export interface Route {
  endpoint: EmulatorEndpoint;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  pattern: RegExp;
  scope: string | null;
  handle(core: EmulatorCore, req: HandlerRequest, replays: Replays): Answer | Promise<Answer>;
}

const ID = '([^/]+)';
const route = (
  endpoint: EmulatorEndpoint,
  method: Route['method'],
  path: string,
  scope: string | null,
  handle: Route['handle'],
): Route => ({ endpoint, method, pattern: new RegExp(`^${path.replaceAll('{id}', ID)}$`), scope, handle });

/** Every route; literal paths come before the parameterised ones they would otherwise match. */
export const ROUTES: readonly Route[] = [
  route('submit', 'POST', '/actions/submit', 'actions:validate', (c, r) => actions.decision(c, r, 'submit')),
  route('submit_v2', 'POST', '/actions/submit/v2', 'actions:validate', (c, r) => actions.decision(c, r, 'submit_v2')),
  route('dry_run', 'POST', '/actions/submit/dry-run', 'actions:validate', (c, r) => actions.decision(c, r, 'dry_run')),
  route('evaluate', 'POST', '/actions/evaluate', 'actions:validate', (c, r) => actions.decision(c, r, 'evaluate')),
  route('verify_validation', 'POST', '/actions/verify-validation', 'actions:validate', actions.verifyValidation),
  route('observer_stats', 'GET', '/actions/observer/stats', 'actions:read', actions.observerStats),
  route('dashboard_summary', 'GET', '/actions/dashboard/summary', 'actions:read', actions.dashboardSummary),
  route('memory_ingest', 'POST', '/actions/memory/ingest', 'memory:write', actions.memoryIngest),
  route('memory_context', 'GET', '/actions/memory/context', 'memory:read', actions.memoryContext),
  route('memory_refresh', 'POST', '/actions/memory/refresh', 'admin', actions.memoryRefresh),
  route(
    'memory_recommendations',
    'POST',
    '/actions/memory/recommendations',
    'memory:read',
    actions.memoryRecommendations,
  ),
  route('action_status', 'GET', '/actions/{id}/status', 'actions:read', actions.actionStatus),
  route('outcomes', 'POST', '/outcomes/report', 'memory:write', actions.outcomes),
  route('approvals', 'GET', '/approvals', 'approvals:read', control.listApprovals),
  route('resolve', 'POST', '/approvals/{id}/resolve', 'approvals:write', control.resolveApproval),
  route('kill_switch', 'GET', '/kill-switch/status', 'kill_switch:read', control.killSwitchStatus),
  route('kill_switch_activate', 'POST', '/kill-switch/activate', 'kill_switch:write', control.activateKillSwitch),
  route('kill_switch_deactivate', 'POST', '/kill-switch/deactivate', 'kill_switch:write', control.deactivateKillSwitch),
  route('rules_create', 'POST', '/rules', 'rules:write', policy.createRule),
  route('rules_list', 'GET', '/rules', 'rules:read', policy.listRules),
  route('rules_domains', 'GET', '/rules/domains', 'rules:read', policy.ruleDomains),
  route('rules_dry_run', 'POST', '/rules/dry-run', 'rules:read', policy.dryRunRules),
  route('rules_validate', 'POST', '/rules/validate', 'rules:read', policy.validateRuleRequest),
  route('rules_validate_dry_run', 'POST', '/rules/validate/dry-run', 'rules:read', policy.validateDryRun),
  route('rules_purge_idempotency', 'POST', '/rules/idempotency/purge', 'admin', (c, r, replays) =>
    policy.purgeIdempotency(c, r, replays),
  ),
  route('rules_get', 'GET', '/rules/{id}', 'rules:read', policy.getRule),
  route('rules_update', 'PATCH', '/rules/{id}', 'rules:write', policy.updateRule),
  route('rules_delete', 'DELETE', '/rules/{id}', 'rules:write', policy.deleteRule),
  route('rules_pause', 'POST', '/rules/{id}/pause', 'rules:write', (c, r) => policy.pauseRule(c, r, true)),
  route('rules_resume', 'POST', '/rules/{id}/resume', 'rules:write', (c, r) => policy.pauseRule(c, r, false)),
  route('rules_apply_patch', 'POST', '/rules/{id}/apply_patch', 'rules:write', policy.applyRulePatch),
  route('rules_versions', 'GET', '/rules/{id}/versions', 'rules:read', policy.ruleVersions),
  route('events_list', 'GET', '/events', 'events:read', control.listEvents),
  route('events_stats', 'GET', '/events/stats', 'events:read', control.eventStats),
  route('api_keys_create', 'POST', '/api-keys', 'api_keys:write', accounts.createApiKey),
  route('api_keys_list', 'GET', '/api-keys', 'api_keys:read', accounts.listApiKeys),
  route('api_keys_scopes', 'GET', '/api-keys/scopes', 'api_keys:read', accounts.apiKeyScopes),
  route('api_keys_validate', 'POST', '/api-keys/validate', 'api_keys:read', accounts.validateApiKey),
  route('api_keys_revoke', 'DELETE', '/api-keys/{id}', 'api_keys:write', accounts.revokeApiKey),
  route('api_keys_rotate', 'POST', '/api-keys/{id}/rotate', 'api_keys:write', accounts.rotateApiKey),
  route('auth_signup', 'POST', '/auth/signup', null, accounts.signup),
  route('auth_login', 'POST', '/auth/login', null, accounts.login),
  route('auth_refresh', 'POST', '/auth/refresh', null, accounts.refresh),
  route('auth_logout', 'POST', '/auth/logout', null, accounts.logout),
  route('webhooks_create', 'POST', '/webhooks', 'webhooks:write', webhooks.createWebhook),
  route('webhooks_list', 'GET', '/webhooks', 'webhooks:read', webhooks.listWebhooks),
  route('webhooks_events', 'GET', '/webhooks/events', 'webhooks:read', webhooks.webhookEvents),
  route('webhooks_get', 'GET', '/webhooks/{id}', 'webhooks:read', webhooks.getWebhook),
  route('webhooks_update', 'PATCH', '/webhooks/{id}', 'webhooks:write', webhooks.updateWebhook),
  route('webhooks_delete', 'DELETE', '/webhooks/{id}', 'webhooks:write', webhooks.deleteWebhook),
  route('webhooks_deliveries', 'GET', '/webhooks/{id}/deliveries', 'webhooks:read', webhooks.listDeliveries),
  route('webhooks_test', 'POST', '/webhooks/{id}/test', 'webhooks:write', webhooks.testWebhook),
  route('webhooks_replay', 'POST', '/webhooks/{id}/deliveries/{id}/replay', 'webhooks:write', webhooks.replayDelivery),
];
