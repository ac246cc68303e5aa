import { describe, expect, it } from 'vitest';
import { API_KEY_SCOPES } from '../src/emulator/index.js';
import {
  type AuthTokens,
  BighubAuthError,
  BighubClient,
  BighubConflictError,
  BighubValidationError,
} from '../src/index.js';
import { ROOT_KEY, withEmulator } from './with-emulator.js';

const t = withEmulator();

describe('client.apiKeys', () => {
  it('creates a scoped key that works for its scopes only, then rotates and revokes it', async () => {
    const admin = t.client();
    const created = await admin.apiKeys.create({
      label: 'production-key',
      scopes: ['actions:validate', 'rules:read'],
      expires_in_days: 90,
    });
    expect(created).toMatchObject({
      label: 'production-key',
      status: 'active',
      scopes: ['actions:validate', 'rules:read'],
    });
    expect(created.key).toMatch(/^bhk_/);
    expect(Date.parse(created.expires_at!)).toBeGreaterThan(Date.now() + 89 * 86_400_000);

    const agent = t.client({ apiKey: created.key, retry: { retries: 0 } });
    await expect(agent.actions.submit({ action: 'refund', value: 1 })).resolves.toMatchObject({ allowed: true });
    await expect(agent.rules.domains()).resolves.toHaveLength(6);
    const denied = await agent.rules.create({ name: 'x', domain: 'custom' }).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(BighubAuthError);
    expect(denied).toMatchObject({ status: 403, code: 'insufficient_scope' });

    await expect(admin.apiKeys.validate(created.key)).resolves.toMatchObject({
      valid: true,
      key_id: created.key_id,
      scopes: ['actions:validate', 'rules:read'],
    });
    const listed = await admin.apiKeys.list({ includeRevoked: false });
    const entry = listed.find((k) => k.key_id === created.key_id)!;
    expect(entry).toMatchObject({ label: 'production-key', prefix: created.key.slice(0, 8) });
    expect(entry).not.toHaveProperty('key');
    expect(entry).not.toHaveProperty('hash');

    const rotated = await admin.apiKeys.rotate(created.key_id);
    expect(rotated).toMatchObject({ rotated_from: created.key_id, label: 'production-key', scopes: created.scopes });
    expect(rotated.key).not.toBe(created.key);
    await expect(agent.actions.submit({ action: 'refund' })).rejects.toMatchObject({ status: 401 });
    await expect(admin.apiKeys.validate(created.key)).resolves.toMatchObject({ valid: false, reason: 'revoked' });
    await expect(admin.apiKeys.rotate(created.key_id)).rejects.toBeInstanceOf(BighubConflictError);
    const agent2 = t.client({ apiKey: rotated.key });
    await expect(agent2.actions.submit({ action: 'refund' })).resolves.toMatchObject({ allowed: true });

    const revoked = await admin.apiKeys.revoke(rotated.key_id, { reason: 'rotated' });
    expect(revoked).toMatchObject({ status: 'revoked', revoked_reason: 'rotated' });
    expect(t.emulator.requestsTo('api_keys_revoke').at(-1)).toMatchObject({
      method: 'DELETE',
      query: { reason: 'rotated' },
    });
    await expect(agent2.actions.submit({ action: 'refund' })).rejects.toBeInstanceOf(BighubAuthError);
    expect((await admin.apiKeys.list()).map((k) => k.key_id)).not.toContain(rotated.key_id);
    expect((await admin.apiKeys.list({ includeRevoked: true })).map((k) => k.key_id)).toEqual(
      expect.arrayContaining([created.key_id, rotated.key_id]),
    );
    await expect(admin.apiKeys.validate('bhk_nonsense')).resolves.toEqual({ valid: false, reason: 'unknown' });
  });

  it('lists every scope, and refuses unknown ones', async () => {
    const c = t.client();
    const scopes = await c.apiKeys.scopes();
    expect(scopes.map((s) => s.scope)).toEqual(Object.keys(API_KEY_SCOPES));
    await expect(c.apiKeys.create({ label: 'x', scopes: ['rules:everything'] })).rejects.toBeInstanceOf(
      BighubValidationError,
    );
  });
});

describe('client.auth', () => {
  it('signs up, logs in, and sends the bearer token from then on (an API key stays preferred)', async () => {
    const c = new BighubClient({ baseUrl: t.emulator.url, sleep: async () => {} });
    await expect(c.killSwitch.status()).rejects.toMatchObject({ status: 401 });
    const tokens = await c.auth.signup({ email: 'ops@company.com', password: 'correct horse', organization: 'acme' });
    expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 900 });
    await expect(c.killSwitch.status()).resolves.toEqual({ active: false });
    expect(t.emulator.requestsTo('kill_switch').at(-1)!.headers.authorization).toBe(`Bearer ${tokens.access_token}`);
    expect(t.emulator.requestsTo('auth_signup').at(-1)!.headers.authorization).toBeUndefined();
    await expect(c.auth.signup({ email: 'ops@company.com', password: 'correct horse' })).rejects.toBeInstanceOf(
      BighubConflictError,
    );

    const other = new BighubClient({ baseUrl: t.emulator.url });
    await expect(other.auth.login({ email: 'ops@company.com', password: 'wrong password' })).rejects.toMatchObject({
      status: 401,
      code: 'invalid_credentials',
    });
    await other.auth.login({ email: 'OPS@company.com', password: 'correct horse' });
    await expect(other.events.list({ eventType: 'rule.updated', limit: 20 })).resolves.toEqual(expect.any(Array));

    const both = new BighubClient({ baseUrl: t.emulator.url, apiKey: ROOT_KEY });
    await both.auth.login({ email: 'ops@company.com', password: 'correct horse' });
    await both.killSwitch.status();
    const sent = t.emulator.requestsTo('kill_switch').at(-1)!.headers;
    expect(sent['x-api-key']).toBe(ROOT_KEY);
    expect(sent.authorization).toBeUndefined();
  });

  it('refreshes an expired access token once on 401 and repeats the call; rotated tokens reach onTokens', async () => {
    const seen: (AuthTokens | undefined)[] = [];
    const c = new BighubClient({ baseUrl: t.emulator.url, sleep: async () => {}, onTokens: (tk) => seen.push(tk) });
    const first = await c.auth.signup({ email: 'refresh@company.com', password: 'long enough' });
    t.emulator.expireAccessTokens();
    const refreshesBefore = t.emulator.requestsTo('auth_refresh').length;
    // Concurrent calls share one refresh.
    const answers = await Promise.all([c.killSwitch.status(), c.approvals.list(), c.rules.domains()]);
    expect(answers[0]).toEqual({ active: false });
    expect(t.emulator.requestsTo('auth_refresh').length - refreshesBefore).toBe(1);
    expect(seen).toHaveLength(2);
    expect(seen[1]!.access_token).not.toBe(first.access_token);
    expect(seen[1]!.refresh_token).not.toBe(first.refresh_token);
    // The old refresh token was spent by the rotation.
    await expect(c.auth.refresh(first.refresh_token)).rejects.toMatchObject({ status: 401 });
  });

  it('gives up after one refresh: a revoked session surfaces the auth error', async () => {
    const c = new BighubClient({ baseUrl: t.emulator.url, sleep: async () => {} });
    await c.auth.signup({ email: 'revoked@company.com', password: 'long enough' });
    const stale = new BighubClient({
      baseUrl: t.emulator.url,
      bearerToken: 'bha_unknown',
      refreshToken: 'bhr_unknown',
      sleep: async () => {},
    });
    const before = t.emulator.requestsTo('kill_switch').length;
    const err = await stale.killSwitch.status().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BighubAuthError);
    expect(err).toMatchObject({ code: 'invalid_refresh_token' });
    expect(t.emulator.requestsTo('kill_switch').length - before).toBe(1);
  });

  it('logs out: the session’s tokens stop working and are forgotten', async () => {
    const seen: (AuthTokens | undefined)[] = [];
    const c = new BighubClient({ baseUrl: t.emulator.url, sleep: async () => {}, onTokens: (tk) => seen.push(tk) });
    const tokens = await c.auth.login({ email: 'ops@company.com', password: 'correct horse' });
    await expect(c.auth.logout()).resolves.toMatchObject({ logged_out: true, sessions_revoked: 1 });
    expect(seen.at(-1)).toBeUndefined();
    const reuse = new BighubClient({ baseUrl: t.emulator.url, bearerToken: tokens.access_token });
    await expect(reuse.killSwitch.status()).rejects.toMatchObject({ status: 401 });
    await expect(c.auth.refresh(tokens.refresh_token)).rejects.toMatchObject({ status: 401 });
  });
});
