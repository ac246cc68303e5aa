import {
  type ApprovalRecord,
  type ApprovalStore,
  type ApprovalTransition,
  type Gate,
  GatedToolRunner,
  MemoryApprovalStore,
} from '@tollgate/core';
import { describe, expect, it } from 'vitest';
import { RedisApprovalStore } from '../src/index.js';
import { newClient, redis, usePrefix } from './support.js';

/** A store under a fresh test prefix; `connection` gives it a client of its own, as another process has. */
function storeAt(prefix: string, connection = redis!, retainMs?: number): RedisApprovalStore {
  return new RedisApprovalStore({ redis: connection, prefix, retainMs, pageSize: 3 });
}

function freshStore(): { store: RedisApprovalStore; prefix: string } {
  const prefix = usePrefix();
  return { store: storeAt(prefix), prefix };
}

// Records live on real epoch time: Redis deletes them by its own clock at expiresAt + retainMs.
const T0 = Date.now();

function record(id: string, createdAt = T0, ttlMs = 60_000): ApprovalRecord {
  return {
    id,
    status: 'pending',
    tool: 'refund',
    callId: `call_${id}`,
    args: { amount: '12.50' },
    digest: 'd'.repeat(64),
    context: { actor: 'ann', tenant: 'acme', scopes: ['refunds'] },
    gates: ['review'],
    reason: 'needs_review',
    data: { review: { ticket: 7 } },
    createdAt,
    expiresAt: createdAt + ttlMs,
  };
}

const by = (status: 'approved' | 'denied', at = T0 + 1) => ({ by: 'lead@acme.test', status, at });

describe.skipIf(!redis)('RedisApprovalStore', () => {
  it('follows the same rules as the in-memory store, step for step', async () => {
    const stores: ApprovalStore[] = [new MemoryApprovalStore(), freshStore().store];
    // Each step as the rule's answer: the status after a transition, or its refusal; a read's status.
    const step = (x: ApprovalTransition | ApprovalRecord | undefined) =>
      x === undefined ? 'undefined' : 'ok' in x ? (x.ok ? x.record.status : x.reason) : x.status;
    const trace = async (store: ApprovalStore) => {
      await store.create(record('a'));
      await store.create(record('b'));
      await store.create(record('c', T0, 1_000));
      const steps = [
        await store.consume('a', T0 + 1),
        await store.decide('a', by('approved'), T0 + 2),
        await store.decide('a', by('denied'), T0 + 3),
        await store.consume('a', T0 + 4),
        await store.consume('a', T0 + 5),
        await store.decide('b', by('denied'), T0 + 6),
        await store.consume('b', T0 + 7),
        await store.decide('c', by('approved'), T0 + 1_000),
        await store.consume('c', T0 + 1_001),
        await store.decide('missing', by('approved'), T0),
        await store.get('a', T0 + 100_000),
        await store.get('b', T0 + 100_000),
        await store.get('c', T0 + 10),
        await store.get('c', T0 + 1_000),
      ];
      return { steps: steps.map(step), a: await store.get('a', T0 + 6) };
    };
    const [memory, onRedis] = await Promise.all(stores.map(trace));
    expect(onRedis).toEqual(memory);
    expect(memory?.a).toMatchObject({ status: 'consumed', consumedAt: T0 + 4, decision: { by: 'lead@acme.test' } });
    expect(memory?.steps).toEqual([
      'approval_pending',
      'approved',
      'approval_already_decided',
      'consumed',
      'approval_consumed',
      'denied',
      'approval_denied',
      'approval_expired',
      'approval_expired',
      'approval_not_found',
      'consumed',
      'denied',
      'pending',
      'expired',
    ]);
  });

  it('keeps pending approvals across a restart: a new client and store see, decide and consume them', async () => {
    const prefix = usePrefix();
    await storeAt(prefix, newClient()).create(record('r1'));
    const restarted = storeAt(prefix, newClient());
    expect(await restarted.get('r1', T0 + 5)).toEqual(record('r1'));
    expect((await restarted.listPending(T0 + 5)).map((r) => r.id)).toEqual(['r1']);
    expect(await restarted.decide('r1', by('approved'), T0 + 6)).toMatchObject({ ok: true });
    expect(await storeAt(prefix, newClient()).consume('r1', T0 + 7)).toMatchObject({
      ok: true,
      record: { status: 'consumed', consumedAt: T0 + 7 },
    });
  });

  it('lets exactly one of 50 concurrent consumes from five connections win', async () => {
    const { store, prefix } = freshStore();
    await store.create(record('once'));
    await store.decide('once', by('approved'), T0 + 1);
    const stores = Array.from({ length: 5 }, () => storeAt(prefix, newClient()));
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => stores[i % 5]!.consume('once', T0 + 2)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => (r.ok ? '' : r.reason))).toEqual(
      Array(49).fill('approval_consumed'),
    );
  });

  it('lets exactly one of 50 concurrent decisions win', async () => {
    const { store } = freshStore();
    await store.create(record('race'));
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.decide('race', by(i % 2 ? 'approved' : 'denied'), T0 + 1)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(new Set(results.filter((r) => !r.ok).map((r) => (r.ok ? '' : r.reason)))).toEqual(
      new Set(['approval_already_decided']),
    );
  });

  it('enforces expiry in the script and lets Redis delete the record after the retain period', async () => {
    const { store } = freshStore();
    const short = record('short', T0, 2_000);
    await store.create(short);
    expect(await store.decide('short', by('approved'), short.expiresAt)).toMatchObject({
      ok: false,
      reason: 'approval_expired',
      record: { status: 'expired' },
    });
    const pttl = await redis!.pttl(store.recordKey('short'));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(short.expiresAt + 3_600_000 - T0);

    // With no retain period, a record already past expiry is deleted by Redis at once.
    const { prefix } = freshStore();
    await storeAt(prefix, redis!, 0).create(record('gone', T0 - 10_000, 1_000));
    expect(await redis!.exists(storeAt(prefix).recordKey('gone'))).toBe(0);
  });

  it('lists pending approvals oldest first, up to a limit, and drops stale ids from the index', async () => {
    const { store } = freshStore();
    for (let i = 0; i < 7; i++) await store.create(record(`p${i}`, T0 + i * 10, i === 2 ? 15 : 60_000));
    await store.decide('p1', by('approved', T0 + 100), T0 + 100);
    const now = T0 + 200;
    expect((await store.listPending(now)).map((r) => r.id)).toEqual(['p0', 'p3', 'p4', 'p5', 'p6']);
    expect((await store.listPending(now, 2)).map((r) => r.id)).toEqual(['p0', 'p3']);
    expect(await redis!.zrange(store.pendingKey, '0', '-1')).toEqual(['p0', 'p3', 'p4', 'p5', 'p6']);
  });

  it('refuses a page size or retain period it could not work with, at construction', () => {
    // pageSize 0 made listPending read the same page forever.
    for (const pageSize of [0, -1, 1.5, Number.NaN]) {
      expect(() => new RedisApprovalStore({ redis: redis!, pageSize })).toThrow(TypeError);
    }
    for (const retainMs of [-1, 0.5, Number.POSITIVE_INFINITY]) {
      expect(() => new RedisApprovalStore({ redis: redis!, retainMs })).toThrow(TypeError);
    }
    expect(() => new RedisApprovalStore({ redis: redis!, retainMs: 0, pageSize: 1 })).not.toThrow();
  });

  it('refuses a second record with the same id', async () => {
    const { store } = freshStore();
    await store.create(record('dup'));
    await expect(store.create(record('dup'))).rejects.toThrow(/exists/);
  });

  it('carries a runner round trip: approval required, approve, resume once, in a new runner', async () => {
    const prefix = usePrefix();
    const review: Gate = {
      name: 'review',
      stage: 'decision',
      check: () => ({ outcome: 'require_approval', reason: 'needs_review', message: 'A human must review refunds.' }),
    };
    let refunds = 0;
    const makeRunner = () =>
      new GatedToolRunner({
        gates: [review],
        approvals: storeAt(prefix, newClient()),
        tools: [
          {
            name: 'refund',
            parameters: { type: 'object', properties: { amount: { type: 'string' } } },
            handler: (args: { amount: string }) => {
              refunds++;
              return { refunded: args.amount };
            },
          },
        ],
      });
    const first = makeRunner();
    const asked = await first.call('refund', { amount: '12.50' }, { actor: 'ann' });
    expect(asked.status).toBe('approval_required');
    const id = asked.approval!.id;
    expect((await first.pendingApprovals()).map((a) => a.id)).toEqual([id]);

    const second = makeRunner();
    expect(await second.resume(id)).toMatchObject({ status: 'blocked', reason: 'approval_pending' });
    expect(await second.approve(id, { by: 'lead@acme.test' })).toMatchObject({ ok: true });
    expect(await second.pendingApprovals()).toEqual([]);
    const ran = await second.resume(id);
    expect(ran).toMatchObject({ status: 'executed', result: { refunded: '12.50' }, resumedFrom: id });
    expect(await makeRunner().resume(id)).toMatchObject({ status: 'blocked', reason: 'approval_consumed' });
    expect(refunds).toBe(1);

    const denied = await first.call('refund', { amount: '99.00' });
    await second.deny(denied.approval!.id, { by: 'lead@acme.test', comment: 'too much' });
    expect(await first.resume(denied.approval!.id)).toMatchObject({ reason: 'approval_denied' });
    expect(refunds).toBe(1);
  });
});
