import { listOf } from './list.js';
import { path, type Transport } from './transport.js';
import type { RequestOptions } from './types.js';

/** Body of `POST /api-keys`. */
export interface ApiKeyCreate {
  /** A name for humans, e.g. `production-key`. */
  label: string;
  /** What the key may do, e.g. `["actions:validate", "rules:read"]` (see `apiKeys.scopes()`). */
  scopes: string[];
  /** Expiry in days (default: never). */
  expires_in_days?: number;
}

/** An API key as listed (the secret itself is never listed). */
export interface ApiKey {
  key_id: string;
  label: string;
  scopes: string[];
  /** `active`, `revoked` or `expired`. */
  status: string;
  /** The key's first characters, to recognise it. */
  prefix: string;
  /** ISO 8601. */
  created_at: string;
  /** ISO 8601, when it expires. */
  expires_at?: string | null;
  /** ISO 8601, once revoked. */
  revoked_at?: string;
  /** Why it was revoked. */
  revoked_reason?: string;
  [key: string]: unknown;
}

/** A newly created or rotated key: the only time the secret `key` is shown. */
export interface CreatedApiKey extends ApiKey {
  /** The secret, sent as `X-API-Key`. Store it now: BIGHUB keeps only a hash. */
  key: string;
  /** For a rotation: the key it replaces (now revoked). */
  rotated_from?: string;
}

/** Answer of `POST /api-keys/validate`. */
export interface ApiKeyValidation {
  valid: boolean;
  key_id?: string;
  scopes?: string[];
  /** Why it is not valid: `unknown`, `revoked`, `expired`. */
  reason?: string;
  [key: string]: unknown;
}

/** One scope a key can hold, as `GET /api-keys/scopes` lists it. */
export interface ApiKeyScope {
  scope: string;
  description: string;
  [key: string]: unknown;
}

/** `client.apiKeys`: keys for agents and services, with scopes, expiry, rotation and revocation. */
export class ApiKeysApi {
  constructor(private readonly http: Transport) {}

  /** `POST /api-keys`: the answer holds the secret `key`, shown this once. */
  create(request: ApiKeyCreate, options?: RequestOptions): Promise<CreatedApiKey> {
    return this.http.send({ method: 'POST', path: '/api-keys', body: request }, options);
  }

  /** `GET /api-keys?include_revoked=…`. Accepts a bare array or `{api_keys: […]}`. */
  async list(query: { includeRevoked?: boolean } = {}, options?: RequestOptions): Promise<ApiKey[]> {
    const q = { include_revoked: query.includeRevoked };
    return listOf(await this.http.send({ method: 'GET', path: '/api-keys', query: q }, options), 'api_keys');
  }

  /** `DELETE /api-keys/{key_id}?reason=…`: revokes the key at once (the Python SDK's `delete`). */
  revoke(keyId: string, query: { reason?: string } = {}, options?: RequestOptions): Promise<ApiKey> {
    return this.http.send(
      { method: 'DELETE', path: path`/api-keys/${keyId}`, query: { reason: query.reason } },
      options,
    );
  }

  /** `POST /api-keys/{key_id}/rotate`: a new key with the same label and scopes; the old one is revoked. */
  rotate(keyId: string, options?: RequestOptions): Promise<CreatedApiKey> {
    return this.http.send({ method: 'POST', path: path`/api-keys/${keyId}/rotate` }, options);
  }

  /** `POST /api-keys/validate`: whether a key is valid, and its scopes. */
  validate(key: string, options?: RequestOptions): Promise<ApiKeyValidation> {
    return this.http.send({ method: 'POST', path: '/api-keys/validate', body: { key }, readOnly: true }, options);
  }

  /** `GET /api-keys/scopes`: every scope a key can hold. Accepts a bare array or `{scopes: […]}`. */
  async scopes(options?: RequestOptions): Promise<ApiKeyScope[]> {
    return listOf(await this.http.send({ method: 'GET', path: '/api-keys/scopes' }, options), 'scopes');
  }
}
