/**
 * Errors the BIGHUB client throws. Every one extends {@link BighubError}, so `catch (e) { if (e instanceof
 * BighubError) … }` catches them all; the subclasses follow the Python SDK's exception hierarchy (seed bighub-sdk-0.2.4).
 */
export class BighubError extends Error {
  override name = 'BighubError';
}

/** The client was configured wrongly (e.g. plain http to a non-loopback host); thrown by the constructor. */
export class BighubConfigError extends BighubError {
  override name = 'BighubConfigError';
}

/** What an HTTP error response carried. */
export interface BighubApiErrorInit {
  /** HTTP status code. */
  status: number;
  /** BIGHUB's `request_id` (body) or `x-request-id` (header), when sent. */
  requestId?: string;
  /** BIGHUB's machine error code, when sent. */
  code?: string;
  /** The parsed response body. */
  body?: unknown;
}

/** BIGHUB answered with an HTTP error status. */
export class BighubApiError extends BighubError {
  override name = 'BighubApiError';
  /** HTTP status code. */
  readonly status: number;
  /** BIGHUB's request id, when sent. */
  readonly requestId: string | undefined;
  /** BIGHUB's machine error code, when sent. */
  readonly code: string | undefined;
  /** The parsed response body. */
  readonly body: unknown;

  constructor(message: string, init: BighubApiErrorInit) {
    super(message);
    this.status = init.status;
    this.requestId = init.requestId;
    this.code = init.code;
    this.body = init.body;
  }
}

/**
 * A 3xx answer. The client never follows redirects: the target would receive the API key, and its answer could be
 * taken for BIGHUB's decision. Not retried; point `baseUrl` at the API itself.
 */
export class BighubRedirectError extends BighubApiError {
  override name = 'BighubRedirectError';
  /** The `Location` header, when sent. */
  readonly location: string | undefined;

  constructor(message: string, init: BighubApiErrorInit & { location?: string }) {
    super(message, init);
    this.location = init.location;
  }
}

/** 401 or 403: the API key or bearer token is missing, wrong or lacks the scope. */
export class BighubAuthError extends BighubApiError {
  override name = 'BighubAuthError';
}

/**
 * 409: the request conflicts with the resource's state. With `ifMatchVersion` (optimistic locking) it means the
 * rule changed since that version: `currentVersion` is the rule's version now, `expectedVersion` the one sent.
 * Re-read, re-preview and apply again. A 409 with an error code is final and not retried; a bare 409 is retried
 * (the Python SDK's list), unless the call used `ifMatchVersion`.
 */
export class BighubConflictError extends BighubApiError {
  override name = 'BighubConflictError';
  /** The resource's version now, when BIGHUB sent it (`current_version`). */
  readonly currentVersion: number | undefined;
  /** The version the request expected (`expected_version`). */
  readonly expectedVersion: number | undefined;

  constructor(message: string, init: BighubApiErrorInit & { currentVersion?: number; expectedVersion?: number }) {
    super(message, init);
    this.currentVersion = init.currentVersion;
    this.expectedVersion = init.expectedVersion;
  }
}

/** 429 after the retries ran out. */
export class BighubRateLimitError extends BighubApiError {
  override name = 'BighubRateLimitError';
  /** From the `Retry-After` header, in ms; `undefined` when absent or unparsable. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, init: BighubApiErrorInit & { retryAfterMs?: number }) {
    super(message, init);
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** 422: BIGHUB rejected the request body. */
export class BighubValidationError extends BighubApiError {
  override name = 'BighubValidationError';
  /** The body's `detail` (FastAPI style), `details` or `errors`. */
  readonly details: unknown;

  constructor(message: string, init: BighubApiErrorInit & { details?: unknown }) {
    super(message, init);
    this.details = init.details;
  }
}

/** A webhook delivery whose signature, timestamp or headers do not check out; the message says which. */
export class BighubSignatureError extends BighubError {
  override name = 'BighubSignatureError';
}

/** No complete answer within the timeout (ms). */
export class BighubTimeoutError extends BighubError {
  override name = 'BighubTimeoutError';
  /** The timeout that elapsed, in ms. */
  readonly timeoutMs: number;

  constructor(message: string, timeoutMs: number) {
    super(message);
    this.timeoutMs = timeoutMs;
  }
}

/** The connection failed (refused, reset, DNS…) before an HTTP answer arrived. */
export class BighubNetworkError extends BighubError {
  override name = 'BighubNetworkError';
}
