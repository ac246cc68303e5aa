import { createHash, randomBytes, randomUUID, scryptSync, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ApiKey } from '../client/api-keys.js';
import type { EmulatorCore } from './core.js';
import { type Answer, fail, found, type HandlerRequest, HttpError, ok, refuse, str } from './http.js';
import type { Session, StoredApiKey } from './state.js';

/** Every scope an API key can hold, with what it allows (`GET /api-keys/scopes`). */
export const API_KEY_SCOPES: Readonly<Record<string, string>> = {
  'actions:validate': 'Submit, evaluate and dry-run actions; verify validation hashes.',
  'actions:read': 'Read action status, observer statistics and the dashboard.',
  'memory:write': 'Ingest memory events and report outcomes.',
  'memory:read': 'Read memory context and recommendations.',
  'rules:read': 'List, read, validate and dry-run rules.',
  'rules:write': 'Create, update, patch, pause, resume and delete rules.',
  'approvals:read': 'List approvals.',
  'approvals:write': 'Resolve approvals.',
  'kill_switch:read': 'Read the kill switch.',
  'kill_switch:write': 'Activate and deactivate the kill switch.',
  'events:read': 'List events and their statistics.',
  'webhooks:read': 'List webhooks and their deliveries.',
  'webhooks:write': 'Create, update, test, delete webhooks and replay deliveries.',
  'api_keys:read': 'List and validate API keys.',
  'api_keys:write': 'Create, rotate and revoke API keys.',
  admin: 'Operational endpoints: refresh memory aggregates, purge idempotency keys.',
};

/** Who is calling: every scope (the emulator's own key, a user's session, or no auth configured) or a key's. */
export interface Principal {
  scopes: 'all' | readonly string[];
  userId?: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const token = (prefix: string) => `${prefix}_${randomBytes(24).toString('base64url')}`;
const header = (headers: IncomingHttpHeaders, name: string) => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** Whether a stored key may be used now. */
function usable(core: EmulatorCore, key: StoredApiKey): 'active' | 'revoked' | 'expired' {
  if (key.status === 'revoked') return 'revoked';
  if (key.expires_at && Date.parse(key.expires_at) <= core.now()) return 'expired';
  return 'active';
}

/**
 * Authenticates a request: `X-API-Key` (the emulator's own key, or an active key made with `POST /api-keys`) or
 * `Authorization: Bearer` (a session's unexpired access token). Without a configured `apiKey` every request passes.
 * @returns the principal, or the 401 to answer
 */
export function authenticate(
  core: EmulatorCore,
  headers: IncomingHttpHeaders,
  rootKey: string | undefined,
): Principal | Answer {
  const apiKey = header(headers, 'x-api-key');
  const bearer = /^Bearer (.+)$/.exec(header(headers, 'authorization') ?? '')?.[1];
  const session = bearer ? core.state.sessions.find((s) => s.accessToken === bearer) : undefined;
  if (rootKey === undefined) return { scopes: 'all', userId: session?.user_id };
  if (apiKey !== undefined) {
    if (apiKey === rootKey) return { scopes: 'all' };
    const stored = [...core.state.apiKeys.values()].find((k) => k.hash === sha256(apiKey));
    if (stored && usable(core, stored) === 'active') return { scopes: stored.scopes };
    return fail(401, 'Invalid, revoked or expired API key', 'unauthorized');
  }
  if (bearer !== undefined) {
    if (bearer === rootKey) return { scopes: 'all' };
    if (!session) return fail(401, 'Invalid access token', 'unauthorized');
    if (session.accessExpiresAt <= core.now()) return fail(401, 'The access token has expired', 'token_expired');
    return { scopes: 'all', userId: session.user_id };
  }
  return fail(401, 'Invalid or missing API key', 'unauthorized');
}

/** The 403 for a principal without `scope`, or undefined when it has it. */
export function forbidden(principal: Principal, scope: string): Answer | undefined {
  if (principal.scopes === 'all' || principal.scopes.includes(scope)) return undefined;
  return fail(403, `This key lacks the scope ${scope}`, 'insufficient_scope', { required_scope: scope });
}

function listing(key: StoredApiKey): ApiKey {
  const { hash: _hash, ...rest } = key;
  return rest;
}

function keyOf(core: EmulatorCore, id: string | undefined): StoredApiKey {
  return found(core.state.apiKeys, id, 'API key');
}

function issueKey(core: EmulatorCore, label: string, scopes: string[], expiresAt: string | null) {
  const secret = token('bhk');
  const stored: StoredApiKey = {
    key_id: `key_${randomUUID()}`,
    label,
    scopes,
    status: 'active',
    prefix: secret.slice(0, 8),
    created_at: core.iso(),
    expires_at: expiresAt,
    hash: sha256(secret),
  };
  core.state.apiKeys.set(stored.key_id, stored);
  return { stored, secret };
}

export function createApiKey(core: EmulatorCore, { body }: HandlerRequest): Answer {
  const label = str(body.label);
  if (!label) refuse('label', 'field required');
  const scopes = body.scopes;
  if (
    !Array.isArray(scopes) ||
    scopes.length === 0 ||
    !scopes.every((s) => typeof s === 'string' && s in API_KEY_SCOPES)
  ) {
    refuse('scopes', `must be a non-empty array of: ${Object.keys(API_KEY_SCOPES).join(', ')}`);
  }
  const days = body.expires_in_days;
  if (days !== undefined && (!Number.isInteger(days) || (days as number) < 1))
    refuse('expires_in_days', 'must be an integer >= 1');
  const expiresAt = days === undefined ? null : core.iso(core.now() + (days as number) * 86_400_000);
  const { stored, secret } = issueKey(core, label, scopes as string[], expiresAt);
  core.emit('api_key.created', { key_id: stored.key_id, label, scopes: stored.scopes });
  return ok({ ...listing(stored), key: secret }, 201);
}

export function listApiKeys(core: EmulatorCore, { query }: HandlerRequest): Answer {
  const all = query.include_revoked === 'true';
  const keys = [...core.state.apiKeys.values()]
    .map((k) => ({ ...k, status: usable(core, k) }))
    .filter((k) => all || k.status === 'active');
  return ok({ api_keys: keys.map(listing) });
}

export function revokeApiKey(core: EmulatorCore, { params, query }: HandlerRequest): Answer {
  const key = keyOf(core, params[0]);
  if (key.status !== 'revoked') {
    key.status = 'revoked';
    key.revoked_at = core.iso();
    key.revoked_reason = query.reason ?? 'revoked';
    core.emit('api_key.revoked', { key_id: key.key_id, reason: key.revoked_reason });
  }
  return ok(listing(key));
}

export function rotateApiKey(core: EmulatorCore, { params }: HandlerRequest): Answer {
  const old = keyOf(core, params[0]);
  if (usable(core, old) !== 'active') {
    throw new HttpError(fail(409, `API key is ${usable(core, old)}`, 'not_active'));
  }
  const { stored, secret } = issueKey(core, old.label, [...old.scopes], old.expires_at ?? null);
  old.status = 'revoked';
  old.revoked_at = core.iso();
  old.revoked_reason = 'rotated';
  core.emit('api_key.rotated', { key_id: stored.key_id, rotated_from: old.key_id });
  return ok({ ...listing(stored), key: secret, rotated_from: old.key_id }, 201);
}

export function validateApiKey(core: EmulatorCore, { body }: HandlerRequest): Answer {
  const secret = str(body.key);
  if (!secret) refuse('key', 'field required');
  const stored = [...core.state.apiKeys.values()].find((k) => k.hash === sha256(secret));
  if (!stored) return ok({ valid: false, reason: 'unknown' });
  const state = usable(core, stored);
  if (state !== 'active') return ok({ valid: false, key_id: stored.key_id, reason: state });
  return ok({ valid: true, key_id: stored.key_id, scopes: stored.scopes, label: stored.label });
}

export function apiKeyScopes(): Answer {
  return ok({ scopes: Object.entries(API_KEY_SCOPES).map(([scope, description]) => ({ scope, description })) });
}

function hashPassword(password: string, salt: string): string {
  return scryptSync(password, salt, 32).toString('hex');
}

function newSession(core: EmulatorCore, userId: string): Answer {
  const session: Session = {
    user_id: userId,
    refreshToken: token('bhr'),
    accessToken: token('bha'),
    accessExpiresAt: core.now() + core.accessTokenTtlMs,
  };
  core.state.sessions.push(session);
  return ok({
    access_token: session.accessToken,
    refresh_token: session.refreshToken,
    token_type: 'bearer',
    expires_in: Math.round(core.accessTokenTtlMs / 1000),
    user_id: userId,
  });
}

function credentialsOf(body: Record<string, unknown>): { email: string; password: string } {
  const email = str(body.email)?.trim().toLowerCase();
  if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) refuse('email', 'must be an e-mail address');
  const password = str(body.password);
  if (!password) refuse('password', 'field required');
  return { email, password };
}

export function signup(core: EmulatorCore, { body }: HandlerRequest): Answer {
  const { email, password } = credentialsOf(body);
  if (password.length < 8) refuse('password', 'must have at least 8 characters');
  if (core.state.users.has(email))
    throw new HttpError(fail(409, 'An account with this e-mail exists', 'already_exists'));
  const salt = randomBytes(16).toString('hex');
  const user = {
    user_id: `usr_${randomUUID()}`,
    email,
    organization: str(body.organization),
    full_name: str(body.full_name),
    password: { salt, hash: hashPassword(password, salt) },
    created_at: core.iso(),
  };
  core.state.users.set(email, user);
  return newSession(core, user.user_id);
}

export function login(core: EmulatorCore, { body }: HandlerRequest): Answer {
  const { email, password } = credentialsOf(body);
  const user = core.state.users.get(email);
  const given = Buffer.from(hashPassword(password, user?.password.salt ?? 'none'), 'hex');
  if (!user || !timingSafeEqual(given, Buffer.from(user.password.hash, 'hex'))) {
    return fail(401, 'Wrong e-mail or password', 'invalid_credentials');
  }
  return newSession(core, user.user_id);
}

/** Rotates a session's tokens: the refresh token given is spent, a new pair is issued. */
export function refresh(core: EmulatorCore, { body }: HandlerRequest): Answer {
  const given = str(body.refresh_token);
  if (!given) refuse('refresh_token', 'field required');
  const index = core.state.sessions.findIndex((s) => s.refreshToken === given);
  if (index < 0) return fail(401, 'Unknown or revoked refresh token', 'invalid_refresh_token');
  const [old] = core.state.sessions.splice(index, 1);
  return newSession(core, old!.user_id);
}

export function logout(core: EmulatorCore, { body, userId }: HandlerRequest): Answer {
  const given = str(body.refresh_token);
  const before = core.state.sessions.length;
  core.state.sessions = core.state.sessions.filter(
    (s) => !(given ? s.refreshToken === given : userId !== undefined && s.user_id === userId),
  );
  return ok({ logged_out: true, sessions_revoked: before - core.state.sessions.length });
}
