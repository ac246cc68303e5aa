import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BighubEmulator, startBighubEmulator } from '../src/emulator/index.js';
import {
  BighubApiError,
  BighubAuthError,
  BighubClient,
  type BighubClientOptions,
  BighubConfigError,
  BighubConflictError,
  BighubNetworkError,
  BighubRateLimitError,
  BighubTimeoutError,
  BighubValidationError,
  isLoopback,
  parseRetryAfter,
} from '../src/index.js';
import { deadUrl } from './dead-url.js';

let emulator: BighubEmulator;
beforeAll(async () => {
  emulator = await startBighubEmulator({ apiKey: 'bhk_test' });
});
afterAll(() => emulator.close());
afterEach(() => {
  emulator.setRules({});
  emulator.state.requests.length = 0;
});

/** A client on the emulator that records its backoff delays instead of sleeping. */
function client(options: BighubClientOptions = {}) {
  const delays: number[] = [];
  const c = new BighubClient({
    baseUrl: emulator.url,
    apiKey: 'bhk_test',
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 0.5,
    ...options,
  });
  return { c, delays };
}

describe('BighubClient: base URL', () => {
  it('refuses plain http to a non-loopback host', () => {
    expect(() => new BighubClient({ baseUrl: 'http://api.bighub.io' })).toThrow(BighubConfigError);
    expect(() => new BighubClient({ baseUrl: 'http://10.0.0.5:8080' })).toThrow(/plain http/);
    expect(() => new BighubClient({ baseUrl: 'ftp://127.0.0.1' })).toThrow(BighubConfigError);
    expect(() => new BighubClient({ baseUrl: 'not a url' })).toThrow(BighubConfigError);
  });

  it('accepts https anywhere and http on loopback', () => {
    expect(new BighubClient().baseUrl).toBe('https://api.bighub.io');
    expect(new BighubClient({ baseUrl: 'https://bighub.example.com/v1/' }).baseUrl).toBe(
      'https://bighub.example.com/v1',
    );
    for (const url of ['http://127.0.0.1:9', 'http://127.5.4.3', 'http://[::1]:8080', 'http://localhost:3000']) {
      expect(() => new BighubClient({ baseUrl: url })).not.toThrow();
    }
  });

  it('knows loopback addresses', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('[::1]')).toBe(true);
    expect(isLoopback('localhost')).toBe(true);
    expect(isLoopback('app.localhost')).toBe(false); // may be resolved through DNS: never plain http
    expect(() => new BighubClient({ baseUrl: 'http://app.localhost:8080' })).toThrow(/plain http/);
    expect(isLoopback('128.0.0.1')).toBe(false);
    expect(isLoopback('127.example.com')).toBe(false);
  });
});

describe('BighubClient: requests', () => {
  it('sends X-API-Key, or a bearer token', async () => {
    await client().c.killSwitch.status();
    const bearer = new BighubClient({ baseUrl: emulator.url, bearerToken: 'bhk_test' });
    await expect(bearer.killSwitch.status()).resolves.toEqual({ active: false });
    const wrong = new BighubClient({ baseUrl: emulator.url, apiKey: 'nope', retry: { retries: 0 } });
    const err = await wrong.killSwitch.status().catch((e) => e);
    expect(err).toBeInstanceOf(BighubAuthError);
    expect(err).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('submits an action and reads BIGHUB’s answer', async () => {
    emulator.setRules({ maxValue: 100 });
    const { c } = client();
    const ok = await c.actions.submit({ action: 'refund', value: 50, actor: 'a1', domain: 'payments' });
    expect(ok).toMatchObject({ allowed: true, result: 'allowed' });
    expect(ok.request_id).toMatch(/^req_/);
    const no = await c.actions.submitV2({ action: 'refund', value: 500 });
    expect(no).toMatchObject({ allowed: false, blocked_by: 'max_value' });
    expect(emulator.requestsTo('submit_v2')[0]!.body).toEqual({ action: 'refund', value: 500 });
  });

  it('evaluates, with dry_run recording nothing', async () => {
    emulator.setRules({ requireApprovalAbove: 10, generation: 'recommendation' });
    const { c } = client();
    const before = emulator.state.approvals.size;
    const d = await c.actions.evaluate({ action: 'deploy', actor: 'a1', value: 20, dry_run: true });
    expect(d).toMatchObject({ recommendation: 'review_recommended', requires_approval: true });
    expect(emulator.state.approvals.size).toBe(before);
    await c.actions.dryRun({ action: 'deploy', value: 20 });
    expect(emulator.state.approvals.size).toBe(before);
  });

  it('lists and resolves approvals', async () => {
    emulator.setRules({ requireApprovalAbove: 10 });
    const { c } = client();
    const d = await c.actions.submit({ action: 'grant', value: 11 });
    const pending = await c.approvals.list({ limit: 100 });
    expect(pending.map((a) => a.request_id)).toContain(d.request_id);
    expect(emulator.requestsTo('approvals').at(-1)!.query).toEqual({ status: 'pending', limit: '100' });
    await c.approvals.resolve(d.request_id!, { resolution: 'denied', comment: 'no' });
    expect(emulator.state.approvals.get(d.request_id!)).toMatchObject({ status: 'denied', comment: 'no' });
    const again = await c.approvals.resolve(d.request_id!, { resolution: 'approved' }).catch((e) => e);
    expect(again).toBeInstanceOf(BighubApiError);
    expect(again.status).toBe(409);
  });

  it('ingests memory, reads it back as context, and reports outcomes', async () => {
    const { c } = client();
    const event = {
      event_id: 'ev-1',
      seq: 0,
      schema_version: 1,
      source_version: 'test@1',
      tool: 'refund_ctx',
      status: 'blocked',
      decision: { reason: 'max_value', risk_score: 0.9 },
      timestamp: new Date().toISOString(),
    };
    const body = { source: 'test', source_version: 'test@1', actor: 'a1', events: [event, event] };
    await expect(c.actions.ingestMemory(body)).resolves.toEqual({ ingested: 1, duplicates: 1 });
    const ctx = await c.actions.memoryContext({ tool: 'refund_ctx', windowHours: 1 });
    expect(ctx).toMatchObject({ total_events: 1, blocked_rate: 1, avg_risk_score: 0.9 });
    expect(ctx.top_block_reasons).toEqual([{ reason: 'max_value', count: 1 }]);
    await c.outcomes.report({ status: 'SUCCESS', request_id: 'req_x' });
    expect(emulator.state.outcomes.at(-1)).toEqual({ status: 'SUCCESS', request_id: 'req_x' });
  });

  it('reads the kill switch', async () => {
    emulator.setRules({ killSwitch: { reason: 'incident' } });
    await expect(client().c.killSwitch.status()).resolves.toMatchObject({ active: true, reason: 'incident' });
  });

  it('turns a 422 into a BighubValidationError with the details', async () => {
    const { c } = client();
    const err = await c.actions.evaluate({ action: 'x' } as never).catch((e) => e);
    expect(err).toBeInstanceOf(BighubValidationError);
    expect(err.details).toEqual([{ loc: ['body', 'actor'], msg: 'field required', type: 'value_error' }]);
  });
});

describe('BighubClient: retries', () => {
  it('retries a 503 with backoff and reuses one Idempotency-Key', async () => {
    emulator.setRules({ faults: { submit: { status: 503, times: 2 } } });
    const { c, delays } = client({ retry: { retries: 2, baseDelayMs: 250, maxDelayMs: 2500, jitterMs: 100 } });
    const d = await c.actions.submit({ action: 'refund', value: 1 });
    expect(d.allowed).toBe(true);
    const seen = emulator.requestsTo('submit');
    expect(seen.map((r) => r.status)).toEqual([503, 503, 200]);
    const keys = new Set(seen.map((r) => r.idempotencyKey));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(delays).toEqual([250 + 50, 500 + 50]);
  });

  it('sends an Idempotency-Key on mutating calls only', async () => {
    const { c } = client();
    const rule = await c.rules.create({ name: 'keys', domain: 'custom' });
    await c.rules.update(rule.rule_id, { max_value: 1 });
    await c.rules.get(rule.rule_id);
    await c.rules.validate({ name: 'x', domain: 'custom' });
    await c.rules.applyPatch(rule.rule_id, [], { preview: true });
    await c.actions.dryRun({ action: 'a' });
    await c.rules.delete(rule.rule_id);
    const keyed = (endpoint: Parameters<typeof emulator.requestsTo>[0]) =>
      emulator.requestsTo(endpoint).map((r) => r.idempotencyKey !== undefined);
    expect(keyed('rules_create')).toEqual([true]);
    expect(keyed('rules_update')).toEqual([true]);
    expect(keyed('rules_delete')).toEqual([true]);
    expect(keyed('rules_get')).toEqual([false]);
    expect(keyed('rules_validate')).toEqual([false]);
    expect(keyed('rules_apply_patch')).toEqual([false]); // a preview changes nothing
    expect(keyed('dry_run')).toEqual([false]);
  });

  it('retries a bare 409 (as the Python SDK), but not one that names its conflict', async () => {
    emulator.setRules({ faults: { submit: { status: 409, times: 1, body: { detail: 'request in progress' } } } });
    const { c, delays } = client();
    await expect(c.actions.submit({ action: 'a' })).resolves.toMatchObject({ allowed: true });
    expect(delays).toHaveLength(1);
    emulator.setRules({ faults: { submit: { status: 409, times: 1, body: { detail: 'no', code: 'duplicate' } } } });
    const err = await c.actions.submit({ action: 'a' }).catch((e) => e);
    expect(err).toBeInstanceOf(BighubConflictError);
    expect(err).toMatchObject({ code: 'duplicate', currentVersion: undefined });
    expect(delays).toHaveLength(1);
  });

  it('uses a fresh key per logical call', async () => {
    const { c } = client();
    await c.actions.submit({ action: 'a' });
    await c.actions.submit({ action: 'a' });
    const [first, second] = emulator.requestsTo('submit');
    expect(first!.idempotencyKey).not.toBe(second!.idempotencyKey);
  });

  it('caps the backoff at maxDelayMs', async () => {
    emulator.setRules({ faults: { evaluate: { status: 500 } } });
    const { c, delays } = client({ retry: { retries: 4, baseDelayMs: 1000, maxDelayMs: 2500, jitterMs: 0 } });
    const err = await c.actions.evaluate({ action: 'a', actor: 'b' }).catch((e) => e);
    expect(err).toBeInstanceOf(BighubApiError);
    expect(err.status).toBe(500);
    expect(delays).toEqual([1000, 2000, 2500, 2500]);
  });

  it('honours Retry-After in seconds on a 429', async () => {
    emulator.setRules({ faults: { submit: { status: 429, times: 1, headers: { 'retry-after': '3' } } } });
    const { c, delays } = client();
    await expect(c.actions.submit({ action: 'a' })).resolves.toMatchObject({ allowed: true });
    expect(delays).toEqual([3000]);
  });

  it('honours Retry-After as an HTTP date', async () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    emulator.setRules({
      faults: { submit: { status: 429, times: 1, headers: { 'retry-after': 'Thu, 01 Jan 2026 00:00:07 GMT' } } },
    });
    const { c, delays } = client({ now: () => now });
    await c.actions.submit({ action: 'a' });
    expect(delays).toEqual([7000]);
  });

  it('throws BighubRateLimitError with retryAfterMs when retries run out or the wait is too long', async () => {
    emulator.setRules({ faults: { submit: { status: 429, headers: { 'retry-after': '120' } } } });
    const { c, delays } = client();
    const err = await c.actions.submit({ action: 'a' }).catch((e) => e);
    expect(err).toBeInstanceOf(BighubRateLimitError);
    expect(err.retryAfterMs).toBe(120_000);
    expect(delays).toEqual([]);
  });

  it('does not retry a 4xx that cannot succeed', async () => {
    emulator.setRules({ faults: { submit: { status: 400 } } });
    const { c } = client();
    await expect(c.actions.submit({ action: 'a' })).rejects.toBeInstanceOf(BighubApiError);
    expect(emulator.requestsTo('submit')).toHaveLength(1);
  });

  it('retries a dropped connection, then throws BighubNetworkError', async () => {
    emulator.setRules({ faults: { kill_switch: { drop: true } } });
    const { c, delays } = client({ retry: { retries: 1 } });
    await expect(c.killSwitch.status()).rejects.toBeInstanceOf(BighubNetworkError);
    expect(emulator.requestsTo('kill_switch')).toHaveLength(2);
    expect(delays).toHaveLength(1);
  });

  it('throws BighubTimeoutError when BIGHUB is too slow', async () => {
    emulator.setRules({ latencyMs: { submit: 2000 } });
    const { c } = client({ timeoutMs: 50, retry: { retries: 0 } });
    const err = await c.actions.submit({ action: 'a' }).catch((e) => e);
    expect(err).toBeInstanceOf(BighubTimeoutError);
    expect(err.timeoutMs).toBe(50);
  });

  it('stops at once when the caller aborts, without retrying', async () => {
    emulator.setRules({ latencyMs: { submit: 2000 } });
    const { c, delays } = client();
    const controller = new AbortController();
    const pending = c.actions.submit({ action: 'a' }, { signal: controller.signal });
    controller.abort();
    const err = await pending.catch((e) => e);
    expect(err.name).toBe('BighubError');
    expect(err.message).toContain('aborted');
    expect(delays).toEqual([]);
  });

  it('throws BighubNetworkError when nothing listens', async () => {
    const c = new BighubClient({ baseUrl: await deadUrl(), retry: { retries: 0 } });
    await expect(c.killSwitch.status()).rejects.toBeInstanceOf(BighubNetworkError);
  });
});

describe('BighubClient: odd answers', () => {
  let server: Server;
  let url: string;
  let answer: { status: number; body: string; headers?: Record<string, string> };
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('reads request_id and code from an error body, or the x-request-id header', async () => {
    const c = new BighubClient({ baseUrl: url, retry: { retries: 0 } });
    answer = {
      status: 400,
      body: JSON.stringify({ error: { code: 'bad_domain', message: 'unknown domain' }, request_id: 'req_1' }),
    };
    await expect(c.actions.submit({ action: 'a' })).rejects.toMatchObject({
      status: 400,
      code: 'bad_domain',
      requestId: 'req_1',
    });
    answer = { status: 403, body: 'forbidden', headers: { 'x-request-id': 'req_2' } };
    const err = await c.actions.submit({ action: 'a' }).catch((e) => e);
    expect(err).toBeInstanceOf(BighubAuthError);
    expect(err).toMatchObject({ requestId: 'req_2', body: 'forbidden' });
  });

  it('accepts approvals wrapped in an object', async () => {
    const c = new BighubClient({ baseUrl: url });
    answer = { status: 200, body: JSON.stringify({ approvals: [{ request_id: 'r1', status: 'pending' }] }) };
    await expect(c.approvals.list()).resolves.toEqual([{ request_id: 'r1', status: 'pending' }]);
  });
});

describe('parseRetryAfter', () => {
  it('parses seconds and dates, and ignores garbage', () => {
    expect(parseRetryAfter('2', 0)).toBe(2000);
    expect(parseRetryAfter('0.5', 0)).toBe(500);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:03 GMT', 1000)).toBe(2000);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:03 GMT', 9000)).toBe(0);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(null, 0)).toBeUndefined();
  });
});
