import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BighubConflictError,
  type BighubEvent,
  BighubSignatureError,
  BighubValidationError,
  signWebhook,
  verifyWebhookSignature,
} from '../src/index.js';
import { withEmulator } from './with-emulator.js';

const t = withEmulator();

/** A receiver on 127.0.0.1 that verifies like a real one and can be told to fail. */
interface Receiver {
  url: string;
  received: { headers: IncomingHttpHeaders; body: string }[];
  status: number;
}
let server: Server;
const receiver: Receiver = { url: '', received: [], status: 200 };
beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      receiver.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(receiver.status);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bighub-webhook`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('client.webhooks', () => {
  it('delivers subscribed events, signed, to a URL on 127.0.0.1, and records the deliveries', async () => {
    const c = t.client();
    receiver.received.length = 0;
    receiver.status = 200;
    const created = await c.webhooks.create({
      url: receiver.url,
      label: 'prod-endpoint',
      events: ['decision_event.created', 'rule.patch_applied', 'approval.created'],
    });
    expect(created.webhook_id).toMatch(/^wh_/);
    expect(created.secret).toMatch(/^whsec_/);
    t.emulator.setRules({ requireApprovalAbove: 10 });
    const decision = await c.actions.submit({ action: 'refund', value: 50 });
    await c.rules.create({ name: 'not subscribed', domain: 'custom' }); // rule.created: not delivered
    await t.emulator.idle();
    expect(receiver.received).toHaveLength(2);
    const events = receiver.received.map(({ headers, body }) => verifyWebhookSignature(body, headers, created.secret));
    expect((events as BighubEvent[]).map((e) => e.event_type).sort()).toEqual([
      'approval.created',
      'decision_event.created',
    ]);
    expect((events as BighubEvent[])[0]!.data).toMatchObject({ request_id: decision.request_id });
    for (const { headers } of receiver.received) {
      expect(headers['webhook-id']).toMatch(/^evt_/);
      expect(headers['webhook-signature']).toMatch(/^v1,/);
    }
    // Tampering, another secret, or an old delivery fail verification.
    const { headers, body } = receiver.received[0]!;
    expect(() => verifyWebhookSignature(body.replace('refund', 'refunx'), headers, created.secret)).toThrow(
      BighubSignatureError,
    );
    expect(() => verifyWebhookSignature(body, headers, 'whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3')).toThrow(/signature/);
    const old = signWebhook('evt_old', body, created.secret, new Date(Date.now() - 10 * 60_000));
    expect(() => verifyWebhookSignature(body, old, created.secret)).toThrow(/timestamp/i);
    expect(() => verifyWebhookSignature(body, {}, created.secret)).toThrow(BighubSignatureError);
    expect(c.webhooks.verifySignature(body, headers, created.secret, { parse: false })).toBe(body);

    const deliveries = await c.webhooks.deliveries(created.webhook_id, { limit: 20 });
    expect(deliveries).toHaveLength(2);
    expect(deliveries.every((d) => d.status === 'succeeded' && d.status_code === 200 && d.attempts === 1)).toBe(true);
    expect(deliveries[0]).not.toHaveProperty('payload');
    await c.webhooks.delete(created.webhook_id);
  });

  it('lists, gets, updates (the seed’s WebhookUpdateModel) and deletes; an inactive webhook gets nothing', async () => {
    const c = t.client();
    receiver.received.length = 0;
    const created = await c.webhooks.create({ url: receiver.url, events: ['*'] });
    const got = await c.webhooks.get(created.webhook_id);
    expect(got).toMatchObject({ url: receiver.url, is_active: true, events: ['*'] });
    expect(got).not.toHaveProperty('secret');
    const updated = await c.webhooks.update(created.webhook_id, { label: 'prod-endpoint-v2', is_active: false });
    expect(updated).toMatchObject({ label: 'prod-endpoint-v2', is_active: false });
    expect((await c.webhooks.list()).map((w) => w.webhook_id)).not.toContain(created.webhook_id);
    expect((await c.webhooks.list({ includeInactive: true })).map((w) => w.webhook_id)).toContain(created.webhook_id);
    await c.actions.submit({ action: 'quiet' });
    await t.emulator.idle();
    expect(receiver.received).toHaveLength(0);
    await expect(c.webhooks.delete(created.webhook_id)).resolves.toMatchObject({ deleted: true });
    await expect(c.webhooks.get(created.webhook_id)).rejects.toMatchObject({ status: 404 });
  });

  it('refuses URLs off this machine and unknown event types', async () => {
    const c = t.client();
    for (const url of ['https://example.com/hook', 'http://10.0.0.1/hook', 'ftp://127.0.0.1/x', 'not a url']) {
      await expect(c.webhooks.create({ url, events: ['*'] }), url).rejects.toBeInstanceOf(BighubValidationError);
    }
    await expect(c.webhooks.create({ url: receiver.url, events: ['rule.exploded'] })).rejects.toBeInstanceOf(
      BighubValidationError,
    );
  });

  it('lists the subscribable events', async () => {
    const events = await t.client().webhooks.listEvents();
    expect(events.map((e) => e.event_type)).toEqual(
      expect.arrayContaining(['decision_event.created', 'rule.patch_applied', 'approval.created']),
    );
  });

  it('sends a test event now, and replays a failed delivery with the same webhook-id', async () => {
    const c = t.client();
    receiver.received.length = 0;
    const created = await c.webhooks.create({ url: receiver.url, events: ['rule.created'] });
    const test = await c.webhooks.test(created.webhook_id, { eventType: 'decision_event.created' });
    expect(test).toMatchObject({ status: 'succeeded', status_code: 200, event_type: 'decision_event.created' });
    expect(
      verifyWebhookSignature(receiver.received[0]!.body, receiver.received[0]!.headers, created.secret),
    ).toMatchObject({ data: { test: true } });

    receiver.status = 503;
    await c.rules.create({ name: 'delivered while the receiver is down', domain: 'custom' });
    await t.emulator.idle();
    const [failed] = await c.webhooks.deliveries(created.webhook_id, { status: 'failed' });
    expect(failed).toMatchObject({ status: 'failed', status_code: 503, attempts: 1, event_type: 'rule.created' });
    expect(failed!.error).toContain('503');

    receiver.status = 200;
    const replayed = await c.webhooks.replayFailedDelivery(created.webhook_id, failed!.delivery_id);
    expect(replayed).toMatchObject({ delivery_id: failed!.delivery_id, status: 'succeeded', attempts: 2 });
    const [firstTry, secondTry] = receiver.received.slice(-2);
    expect(secondTry!.headers['webhook-id']).toBe(firstTry!.headers['webhook-id']);
    expect(secondTry!.body).toBe(firstTry!.body);
    verifyWebhookSignature(secondTry!.body, secondTry!.headers, created.secret);
    const again = await c.webhooks
      .replayFailedDelivery(created.webhook_id, failed!.delivery_id)
      .catch((e: unknown) => e);
    expect(again).toBeInstanceOf(BighubConflictError);
    expect(again).toMatchObject({ code: 'not_failed' });
    await expect(c.webhooks.replayFailedDelivery(created.webhook_id, 999_999)).rejects.toMatchObject({ status: 404 });
    await c.webhooks.delete(created.webhook_id);
  });

  it('records a receiver that does not answer as failed', async () => {
    const c = t.client();
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    const created = await c.webhooks.create({ url: `http://127.0.0.1:${port}/gone`, events: ['webhook.test'] });
    const delivery = await c.webhooks.test(created.webhook_id);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1 });
    expect(delivery.status_code).toBeUndefined();
    expect(delivery.error).toMatch(/ECONNREFUSED|fetch failed/);
    await c.webhooks.delete(created.webhook_id);
  });
});
