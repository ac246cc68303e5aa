export {
  type ActionStatus,
  ActionsApi,
  type DashboardSummary,
  type JsonPatchOperation,
  type MemoryRecommendation,
  type MemoryRecommendations,
  type MemoryRecommendationsRequest,
  type ObserverStats,
  type ObserverStatsQuery,
  type RefreshMemoryAggregatesRequest,
  type ValidationVerification,
  type VerifyValidationRequest,
} from './client/actions.js';
export {
  type ApiKey,
  type ApiKeyCreate,
  type ApiKeyScope,
  ApiKeysApi,
  type ApiKeyValidation,
  type CreatedApiKey,
} from './client/api-keys.js';
export {
  type ApprovalListQuery,
  ApprovalsApi,
  type BighubApproval,
  type ResolveApprovalRequest,
} from './client/approvals.js';
export { AuthApi, type AuthTokens, type LoginRequest, type SignupRequest } from './client/auth.js';
export { BighubClient, type BighubClientOptions, DEFAULT_BIGHUB_URL } from './client/client.js';
export {
  BighubApiError,
  type BighubApiErrorInit,
  BighubAuthError,
  BighubConfigError,
  BighubConflictError,
  BighubError,
  BighubNetworkError,
  BighubRateLimitError,
  BighubRedirectError,
  BighubSignatureError,
  BighubTimeoutError,
  BighubValidationError,
} from './client/errors.js';
export { type BighubEvent, type EventListQuery, type EventStats, EventsApi } from './client/events.js';
export { type KillSwitchActivate, KillSwitchApi, type KillSwitchStatus } from './client/kill-switch.js';
export { type OutcomeReport, OutcomesApi } from './client/outcomes.js';
export { parseRetryAfter, type RetryOptions } from './client/retry.js';
export {
  type ApplyPatchOptions,
  type Rule,
  type RuleCreate,
  type RuleDomain,
  type RuleDryRun,
  type RuleListQuery,
  type RulePatchResult,
  RulesApi,
  type RuleUpdate,
  type RuleValidateDryRun,
  type RuleValidation,
  type RuleVersion,
} from './client/rules.js';
export {
  signWebhook,
  type VerifySignatureOptions,
  verifyWebhookSignature,
  type WebhookHeaders,
} from './client/signature.js';
export { isLoopback } from './client/transport.js';
export {
  type ActionDomain,
  type ActionSubmitV2,
  type BighubDecision,
  type EvaluateActionRequest,
  EXECUTION_DOMAINS,
  type ExecutionDomain,
  type MemoryContext,
  type MemoryContextQuery,
  type MemoryEvent,
  type MemoryIngestRequest,
  type RequestOptions,
  type ResponsibleActionSpace,
  type SubmitActionRequest,
} from './client/types.js';
export {
  type BighubWebhook,
  type CreatedWebhook,
  type WebhookCreate,
  type WebhookDelivery,
  type WebhookEventType,
  WebhooksApi,
  type WebhookUpdate,
} from './client/webhooks.js';
export {
  type BighubBreakerOptions,
  BighubGate,
  type BighubGateOptions,
  type BighubGateStats,
  type BighubToolOptions,
  type DecisionMode,
  type ModelVisibleField,
} from './gate/bighub-gate.js';
export { BighubReason, type DecisionGeneration, type MappedDecision, mapDecision } from './gate/mapping.js';
export { MEMORY_SCHEMA_VERSION, type TelemetryOptions, type TelemetryStats } from './gate/telemetry.js';
