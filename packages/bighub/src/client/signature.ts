import { randomBytes } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { BighubSignatureError } from './errors.js';

/** The headers a signed delivery carries (Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`). */
export type WebhookHeaders = Record<string, string | string[] | undefined>;

/** Options of {@link verifyWebhookSignature}. */
export interface VerifySignatureOptions {
  /** Parse the payload as JSON and return it (default true); false returns the payload as a string. */
  parse?: boolean;
}

/**
 * Verifies a webhook delivery the way a receiver must: the HMAC-SHA256 signature over `id.timestamp.body` with the
 * webhook's secret (`whsec_…`), compared in constant time, and a timestamp within 5 minutes of now, so a captured
 * delivery cannot be replayed later. Uses the Standard Webhooks scheme (standardwebhooks.com, the `standardwebhooks`
 * package). Pass the raw body exactly as received, before any JSON parsing.
 * @returns the parsed event (or the raw payload with `parse: false`)
 * @throws BighubSignatureError when a header is missing, the signature does not match, or the timestamp is too old
 *   or too far in the future
 */
export function verifyWebhookSignature(
  payload: string | Buffer,
  headers: WebhookHeaders,
  secret: string,
  options: VerifySignatureOptions = {},
): unknown {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const one = Array.isArray(value) ? value[0] : value;
    if (one !== undefined) flat[name.toLowerCase()] = one;
  }
  try {
    new Webhook(secret).verify(payload, flat);
  } catch (err) {
    const why = err instanceof WebhookVerificationError ? err.message : String(err);
    throw new BighubSignatureError(`The webhook delivery failed verification: ${why}`, { cause: err });
  }
  const text = typeof payload === 'string' ? payload : payload.toString('utf8');
  return options.parse === false ? text : JSON.parse(text);
}

/**
 * The headers to send with a delivery of `payload` under message id `id` (stable across replays of one delivery).
 * For the emulator and for tests of receivers.
 */
export function signWebhook(
  id: string,
  payload: string,
  secret: string,
  at: Date = new Date(),
): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, payload),
  };
}

/** A fresh webhook secret: `whsec_` and 24 random bytes in base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}
