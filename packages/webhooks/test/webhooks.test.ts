import { type Gate, GatedToolRunner } from '@tollgate/core';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ApprovalEvent,
  approvalEvent,
  type DeliveryReport,
  eventTypeOf,
  generateWebhookSecret,
  signWebhook,
  verifyWebhook,
  WebhookNotifier,
  WebhookVerificationError,
} from '../src/index.js';
import { startReceiver } from './receiver.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function receiver(statuses?: number[]) {
  const r = await startReceiver(statuses);
  closers.push(r.close);
  return r;
}

const review: Gate = {
  name: 'review',
  stage: 'rule',
  check: () => ({ outcome: 'require_approval', reason: 'large_payment', message: 'A person must confirm.' }),
};

function runner(approvalTtlMs = 60_000) {
  return new GatedToolRunner({
    gates: [review],
    approvalTtlMs,
    tools: [{ name: 'send_money', parameters: { type: 'object' }, handler: () => 'sent' }],
  });
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WebhookVerificationError);
    return (err as WebhookVerificationError).code;
  }
  return 'verified';
}

describe('signed approval notifications', () => {
  it('a real receiver verifies created and decided events, and refuses tampered and stale copies', async () => {
    const secret = generateWebhookSecret();
    const hook = await receiver();
    const notifier = new WebhookNotifier({ endpoints: [{ url: hook.url, secret }], consoleUrl: 'http://127.0.0.1:9/' });
    const r = runner();
    notifier.attach(r);
    const asked = await r.call('send_money', { amount: '1200.00' }, { actor: 'emma', traceId: 'trace_7' });
    await r.approve(asked.approval!.id, { by: 'ann', comment: 'confirmed by phone' });
    await notifier.flush();
    await hook.waitFor(2);

    const events = hook.received.map((m) => verifyWebhook(secret, m.headers, m.body) as ApprovalEvent);
    expect(events.map((e) => e.type)).toEqual(['approval.created', 'approval.decided']);
    expect(events[0]).toMatchObject({
      id: `evt_${asked.approval!.id}_created`,
      data: {
        approval: { id: asked.approval!.id, status: 'pending', tool: 'send_money', actor: 'emma', traceId: 'trace_7' },
        url: `http://127.0.0.1:9/approvals/${asked.approval!.id}`,
      },
    });
    expect(events[0]!.data.approval).not.toHaveProperty('args'); // arguments only with includeArgs
    expect(events[1]!.data.approval.decision).toMatchObject({
      status: 'approved',
      by: 'ann',
      comment: 'confirmed by phone',
    });
    expect(hook.received[0]!.headers['webhook-id']).toBe(events[0]!.id);

    const { headers, body } = hook.received[1]!;
    expect(codeOf(() => verifyWebhook(secret, headers, body.replace('"ann"', '"eve"')))).toBe('bad_signature');
    expect(codeOf(() => verifyWebhook(generateWebhookSecret(), headers, body))).toBe('bad_signature');
    const signedAt = Number(headers['webhook-timestamp']) * 1000;
    expect(codeOf(() => verifyWebhook(secret, headers, body, { now: signedAt + 301_000 }))).toBe('stale_timestamp');
    expect(codeOf(() => verifyWebhook(secret, headers, body, { now: signedAt - 301_000 }))).toBe('future_timestamp');
    expect(codeOf(() => verifyWebhook(secret, headers, body, { now: signedAt + 299_000 }))).toBe('verified');
    expect(codeOf(() => verifyWebhook(secret, { ...headers, 'webhook-signature': undefined }, body))).toBe(
      'missing_headers',
    );
    expect(codeOf(() => verifyWebhook(secret, { ...headers, 'webhook-timestamp': '1e9' }, body))).toBe(
      'invalid_timestamp',
    );
    // A replay with a fresh timestamp but the old signature does not verify: the timestamp is signed.
    const replayed = { ...headers, 'webhook-timestamp': String(Math.floor(Date.now() / 1000) + 1) };
    expect(codeOf(() => verifyWebhook(secret, replayed, body))).toBe('bad_signature');
  });

  it('sends approval.expired when nobody decided in time', async () => {
    const secret = generateWebhookSecret();
    const hook = await receiver();
    const notifier = new WebhookNotifier({ endpoints: [{ url: hook.url, secret, events: ['approval.expired'] }] });
    const r = runner(300);
    notifier.attach(r);
    const asked = await r.call('send_money', {});
    await hook.waitFor(1);
    const event = verifyWebhook(secret, hook.received[0]!.headers, hook.received[0]!.body) as ApprovalEvent;
    expect(event).toMatchObject({
      type: 'approval.expired',
      data: { approval: { id: asked.approval!.id, status: 'expired' } },
    });
    await notifier.close();
  });

  it('retries 503 and 429 with backoff, signing each attempt afresh, and gives up on 400 and redirects', async () => {
    const secret = generateWebhookSecret();
    const flaky = await receiver([503, 429]);
    const refusing = await receiver([400]);
    const moving = await receiver([302]);
    const reports: DeliveryReport[] = [];
    const notifier = new WebhookNotifier({
      endpoints: [flaky, refusing, moving].map((h) => ({ url: h.url, secret })),
      minDelayMs: 10,
      maxDelayMs: 50,
      onDelivery: (report) => reports.push(report),
    });
    const r = runner();
    notifier.attach(r);
    await r.call('send_money', {});
    await notifier.flush();
    const by = (url: string) => reports.find((x) => x.endpoint === url);
    expect(by(flaky.url)).toMatchObject({ ok: true, attempts: 3, status: 204 });
    expect(by(refusing.url)).toMatchObject({ ok: false, attempts: 1, status: 400 });
    expect(by(moving.url)).toMatchObject({ ok: false, attempts: 1, status: 302 });
    expect(flaky.received).toHaveLength(3);
    for (const m of flaky.received)
      expect(verifyWebhook(secret, m.headers, m.body)).toMatchObject({ type: 'approval.created' });
    expect(new Set(flaky.received.map((m) => m.headers['webhook-id'])).size).toBe(1);
    expect(notifier.stats()).toMatchObject({ delivered: 1, failed: 2, retried: 2, inFlight: 0 });
  });

  it('gives up after the last retry and says so, never throwing at the caller', async () => {
    const hook = await receiver([500, 500, 500]);
    const reports: DeliveryReport[] = [];
    const notifier = new WebhookNotifier({
      endpoints: [
        { url: hook.url, secret: generateWebhookSecret() },
        { url: 'http://127.0.0.1:1/closed', secret: generateWebhookSecret() },
      ],
      retries: 2,
      minDelayMs: 5,
      maxDelayMs: 10,
      onDelivery: (r) => reports.push(r),
    });
    const r = runner();
    notifier.attach(r);
    expect((await r.call('send_money', {})).status).toBe('approval_required');
    await notifier.flush();
    expect(reports.map((x) => [x.ok, x.attempts])).toEqual([
      [false, 3],
      [false, 3],
    ]);
    expect(reports.find((x) => x.endpoint.endsWith('/closed'))?.error).toMatch(/fetch failed|ECONNREFUSED/);
  });

  it('reports a record first seen consumed as its decision, under the decision’s event id', async () => {
    const r = runner();
    const asked = await r.call('send_money', {});
    await r.approve(asked.approval!.id, { by: 'ann' });
    await r.resume(asked.approval!.id);
    const consumed = (await r.getApproval(asked.approval!.id))!;
    expect(consumed.status).toBe('consumed');
    expect(eventTypeOf(consumed)).toBe('approval.decided');
    expect(approvalEvent('approval.decided', consumed).id).toBe(`evt_${asked.approval!.id}_approved`);
  });

  it('sends an event id once, however often it is seen', async () => {
    const hook = await receiver();
    const notifier = new WebhookNotifier({ endpoints: [{ url: hook.url, secret: generateWebhookSecret() }] });
    const r = runner();
    const asked = await r.call('send_money', {});
    const record = (await r.getApproval(asked.approval!.id))!;
    notifier.approval(record);
    notifier.approval(record);
    await notifier.flush();
    expect(hook.received).toHaveLength(1);
  });

  it('interoperates with the Standard Webhooks reference library, both ways', () => {
    const secret = generateWebhookSecret();
    const body = JSON.stringify({ id: 'evt_1', type: 'approval.created' });
    const ours = signWebhook(secret, 'evt_1', body);
    expect(new Webhook(secret).verify(body, { ...ours })).toEqual(JSON.parse(body));
    const ts = new Date();
    const theirs = {
      'webhook-id': 'evt_2',
      'webhook-timestamp': String(Math.floor(ts.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign('evt_2', ts, body),
    };
    expect(verifyWebhook(secret, theirs, body)).toEqual(JSON.parse(body));
  });

  it('refuses endpoints it could never deliver to, at construction', () => {
    const secret = generateWebhookSecret();
    expect(() => new WebhookNotifier({ endpoints: [{ url: 'ftp://x', secret }] })).toThrow(TypeError);
    expect(() => new WebhookNotifier({ endpoints: [{ url: 'http://x', secret: 'hunter2' }] })).toThrow(/whsec_/);
  });
});
