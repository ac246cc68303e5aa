export {
  APPROVAL_EVENT_TYPES,
  type ApprovalEvent,
  type ApprovalEventOptions,
  type ApprovalEventType,
  type ApprovalSummary,
  approvalEvent,
  eventTypeOf,
} from './events.js';
export {
  type DeliveryReport,
  type NotifierStats,
  type WebhookEndpoint,
  WebhookNotifier,
  type WebhookNotifierOptions,
} from './notifier.js';
export {
  generateWebhookSecret,
  secretKey,
  signWebhook,
  type VerifyWebhookOptions,
  verifyWebhook,
  type WebhookHeaders,
  type WebhookVerificationCode,
  WebhookVerificationError,
} from './signature.js';
