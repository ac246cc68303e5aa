import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The headers of a signed delivery, as the Standard Webhooks spec names them (standardwebhooks.com): any
 * Standard Webhooks library verifies tollgate's notifications, and {@link verifyWebhook} verifies theirs.
 */
export interface WebhookHeaders {
  /** The event's id: the same on every retry, so a receiver can drop duplicates. */
  'webhook-id': string;
  /** When this delivery was signed: whole seconds since the epoch, as a decimal string. */
  'webhook-timestamp': string;
  /** `v1,<base64 HMAC-SHA256>`; several space-separated signatures while a secret is rotated. */
  'webhook-signature': string;
}

/** Why a delivery failed verification. */
export type WebhookVerificationCode =
  | 'missing_headers'
  | 'invalid_timestamp'
  | 'stale_timestamp'
  | 'future_timestamp'
  | 'bad_signature'
  | 'invalid_body';

/** Thrown by {@link verifyWebhook}; `code` says why, stable across versions. */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  constructor(
    readonly code: WebhookVerificationCode,
    message: string,
  ) {
    super(message);
  }
}

const PREFIX = 'whsec_';

/** A new secret in the Standard Webhooks form: `whsec_` and 32 random bytes in base64. */
export function generateWebhookSecret(): string {
  return `${PREFIX}${randomBytes(32).toString('base64')}`;
}

/**
 * The key bytes of a secret: `whsec_<base64>` (what {@link generateWebhookSecret} makes and Standard Webhooks
 * libraries expect). @throws {TypeError} for anything else, or fewer than 16 bytes of key
 */
export function secretKey(secret: string): Buffer {
  if (typeof secret !== 'string' || !secret.startsWith(PREFIX)) {
    throw new TypeError('a webhook secret is "whsec_" followed by base64 (make one with generateWebhookSecret())');
  }
  const key = Buffer.from(secret.slice(PREFIX.length), 'base64');
  if (key.length < 16) throw new TypeError('a webhook secret needs at least 16 bytes of key');
  return key;
}

function sign(key: Buffer, id: string, timestamp: number, body: string): string {
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
}

/**
 * Signs a delivery: HMAC-SHA256, keyed with the secret's bytes, over `<id>.<timestamp>.<body>`.
 * @param timestamp whole seconds since the epoch (default: now)
 */
export function signWebhook(
  secret: string,
  id: string,
  body: string,
  timestamp = Math.floor(Date.now() / 1000),
): WebhookHeaders {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': `v1,${sign(secretKey(secret), id, timestamp, body)}`,
  };
}

/** Options for {@link verifyWebhook}. */
export interface VerifyWebhookOptions {
  /** How far a timestamp may be from now, either way (seconds, default 300: the spec's five minutes). */
  toleranceSec?: number;
  /** The receiver's time, ms since the epoch (default `Date.now()`). */
  now?: number;
}

/**
 * Verifies a delivery on the receiving side and returns its parsed JSON body. Checks, in order: the three
 * headers are present; the timestamp is a whole number of seconds within `toleranceSec` of now (a replayed
 * old delivery is refused even with a valid signature); one `v1` signature matches the raw body (compared in
 * constant time; pass the body exactly as received, before any JSON parsing).
 * @param headers the request's headers (Node's `req.headers`, a `Headers`, or a plain object; any case)
 * @throws {WebhookVerificationError} with its `code`
 */
export function verifyWebhook(
  secret: string,
  headers: Headers | Record<string, string | string[] | undefined>,
  body: string | Buffer,
  options: VerifyWebhookOptions = {},
): unknown {
  const key = secretKey(secret);
  const get = (name: keyof WebhookHeaders): string | undefined => {
    if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
    const entry = Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
    return Array.isArray(entry) ? entry[0] : entry;
  };
  const id = get('webhook-id');
  const stamp = get('webhook-timestamp');
  const signatures = get('webhook-signature');
  if (!id || !stamp || !signatures) {
    throw new WebhookVerificationError(
      'missing_headers',
      'webhook-id, webhook-timestamp and webhook-signature are required',
    );
  }
  if (!/^\d{1,12}$/.test(stamp))
    throw new WebhookVerificationError('invalid_timestamp', 'webhook-timestamp must be whole seconds');
  const timestamp = Number(stamp);
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  const tolerance = options.toleranceSec ?? 300;
  if (now - timestamp > tolerance) {
    throw new WebhookVerificationError(
      'stale_timestamp',
      `the delivery was signed ${now - timestamp} s ago; at most ${tolerance} s are accepted`,
    );
  }
  if (timestamp - now > tolerance) {
    throw new WebhookVerificationError('future_timestamp', `the delivery is dated ${timestamp - now} s in the future`);
  }
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const expected = Buffer.from(sign(key, id, timestamp, text));
  const matches = signatures.split(' ').some((entry) => {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || value === undefined) return false;
    const given = Buffer.from(value);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) throw new WebhookVerificationError('bad_signature', 'no signature matches this body and timestamp');
  try {
    return JSON.parse(text);
  } catch {
    throw new WebhookVerificationError('invalid_body', 'the signed body is not JSON');
  }
}
