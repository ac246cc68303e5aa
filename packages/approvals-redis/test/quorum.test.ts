import {
  type ApprovalQuorum,
  type ApprovalRecord,
  type ApprovalStore,
  type ApprovalTransition,
  type Gate,
  GatedToolRunner,
  MemoryApprovalStore,
} from '@tollgate/core';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisApprovalStore } from '../src/index.js';
import { newClient, redis, usePrefix } from './support.js';

// Several approvers, on both stores: the same answers step for step, and atomic under concurrency.
function redisStore(prefix = usePrefix('quorum'), connection: Redis = redis!): RedisApprovalStore {
  return new RedisApprovalStore({ redis: connection, prefix });
}

const connection = newClient;

const T0 = Date.now();

function record(id: string, quorum: ApprovalQuorum = { required: 2, approvers: ['ann', 'bob', 'cy', 'clerk'] }) {
  const r: ApprovalRecord = {
    id,
    status: 'pending',
    tool: 'send_money',
    callId: `call_${id}`,
    args: { amount: '12000.00' },
    digest: 'd'.repeat(64),
    context: { actor: 'clerk', tenant: 'bank' },
    gates: ['rule'],
    reason: 'large_payment',
    data: {},
    createdAt: T0,
    expiresAt: T0 + 60_000,
    quorum,
  };
  return r;
}

const vote = (by: string, status: 'approved' | 'denied' = 'approved', at = T0 + 1) => ({ by, status, at });

describe.skipIf(!redis)('several approvers in MemoryApprovalStore and RedisApprovalStore', () => {
  it('answer the same, step for step', async () => {
    const step = (x: ApprovalTransition | ApprovalRecord | undefined) =>
      x === undefined
        ? 'undefined'
        : 'ok' in x
          ? x.ok
            ? `${x.record.status}:${x.record.approvals?.length ?? 0}`
            : x.reason
          : `${x.status}:${x.approvals?.length ?? 0}`;
    const trace = async (store: ApprovalStore) => {
      await store.create(record('a'));
      await store.create(record('b', { required: 3 }));
      const steps = [
        await store.decide('a', vote('clerk'), T0 + 1),
        await store.decide('a', vote('mallory'), T0 + 1),
        await store.decide('a', vote('ann'), T0 + 2),
        await store.consume('a', T0 + 2),
        await store.decide('a', vote('ann'), T0 + 3),
        await store.get('a', T0 + 3),
        await store.decide('a', vote('bob'), T0 + 4),
        await store.decide('a', vote('cy'), T0 + 5),
        await store.consume('a', T0 + 6),
        await store.decide('b', vote('x'), T0 + 1),
        await store.decide('b', vote('y'), T0 + 1),
        await store.decide('b', vote('z', 'denied'), T0 + 1),
        await store.decide('b', vote('w'), T0 + 1),
        await store.get('b', T0 + 2),
      ];
      const pending = (await store.listPending(T0 + 7)).map((r) => r.id);
      return { steps: steps.map(step), pending, a: await store.get('a', T0 + 7) };
    };
    const memory = await trace(new MemoryApprovalStore());
    const onRedis = await trace(redisStore());
    expect(onRedis).toEqual(memory);
    expect(memory.steps).toEqual([
      'approval_self_approval',
      'approval_not_approver',
      'pending:1',
      'approval_pending',
      'approval_duplicate_approver',
      'pending:1',
      'approved:2',
      'approval_already_decided',
      'consumed:2',
      'pending:1',
      'pending:2',
      'denied:2',
      'approval_already_decided',
      'denied:2',
    ]);
    expect(memory.a).toMatchObject({ decision: { by: 'bob' }, approvals: [{ by: 'ann' }, { by: 'bob' }] });
  });

  it('keeps a partly approved record in the pending index, and drops it once approved', async () => {
    const store = redisStore();
    await store.create(record('p'));
    await store.decide('p', vote('ann'), T0 + 1);
    expect(await redis!.zrange(store.pendingKey, '0', '-1')).toEqual(['p']);
    expect((await store.listPending(T0 + 2)).map((r) => r.approvals?.length)).toEqual([1]);
    await store.decide('p', vote('bob'), T0 + 2);
    expect(await redis!.zrange(store.pendingKey, '0', '-1')).toEqual([]);
  });

  it('two approvers at once on two connections: both count, exactly one transition to approved', async () => {
    const prefix = usePrefix('quorum');
    const a = redisStore(prefix, connection());
    const b = redisStore(prefix, connection());
    for (let i = 0; i < 25; i++) {
      await a.create(record(`r${i}`));
      const [x, y] = await Promise.all([
        a.decide(`r${i}`, vote('ann'), T0 + 1),
        b.decide(`r${i}`, vote('bob'), T0 + 1),
      ]);
      const answers = [x, y];
      expect(answers.every((t) => t.ok)).toBe(true);
      expect(answers.filter((t) => t.ok && t.record.status === 'approved')).toHaveLength(1);
      expect((await a.get(`r${i}`, T0 + 2))?.approvals?.map((v) => v.by).sort()).toEqual(['ann', 'bob']);
    }
  });

  it('twenty approvers at once on five connections, two required: one partial, one approved, the rest refused', async () => {
    const prefix = usePrefix('quorum');
    const stores = Array.from({ length: 5 }, () => redisStore(prefix, connection()));
    const people = Array.from({ length: 20 }, (_, i) => `p${i}`);
    await stores[0]!.create(record('crowd', { required: 2, approvers: people }));
    const answers = await Promise.all(people.map((by, i) => stores[i % 5]!.decide('crowd', vote(by), T0 + 1)));
    const oks = answers.filter((t) => t.ok);
    expect(oks.map((t) => (t.ok ? t.record.status : '')).sort()).toEqual(['approved', 'pending']);
    expect(new Set(answers.filter((t) => !t.ok).map((t) => (t.ok ? '' : t.reason)))).toEqual(
      new Set(['approval_already_decided']),
    );
    const final = await stores[0]!.get('crowd', T0 + 2);
    expect(final?.approvals).toHaveLength(2);
  });

  it('the same approver twice at once counts once', async () => {
    const prefix = usePrefix('quorum');
    const a = redisStore(prefix, connection());
    const b = redisStore(prefix, connection());
    await a.create(record('twice'));
    const answers = await Promise.all([a.decide('twice', vote('ann'), T0 + 1), b.decide('twice', vote('ann'), T0 + 1)]);
    expect(answers.map((t) => (t.ok ? t.record.status : t.reason)).sort()).toEqual([
      'approval_duplicate_approver',
      'pending',
    ]);
  });

  it('carries a two-person approval across two runners on one Redis', async () => {
    const prefix = usePrefix('quorum');
    const rule: Gate = {
      name: 'rule',
      stage: 'rule',
      check: (ctx) =>
        Number(ctx.args.amount) > 10_000
          ? { outcome: 'require_approval', reason: 'large_payment', quorum: { required: 2 } }
          : { outcome: 'allow', reason: 'ok' },
    };
    let sent = 0;
    const runner = () =>
      new GatedToolRunner({
        gates: [rule],
        approvals: redisStore(prefix, connection()),
        tools: [
          {
            name: 'send_money',
            parameters: { type: 'object', properties: { amount: { type: 'string' } } },
            handler: () => ++sent,
          },
        ],
      });
    const agent = runner();
    const asked = await agent.call('send_money', { amount: '12000.00' }, { actor: 'clerk' });
    const id = asked.approval!.id;
    const [ann, bob] = [runner(), runner()];
    expect(await ann.approve(id, { by: 'clerk' })).toMatchObject({ reason: 'approval_self_approval' });
    const both = await Promise.all([ann.approve(id, { by: 'ann' }), bob.approve(id, { by: 'bob' })]);
    expect(both.map((r) => r.ok && r.approval.status).sort()).toEqual(['approved', 'pending']);
    expect(await agent.resume(id)).toMatchObject({ status: 'executed' });
    expect(sent).toBe(1);
  });
});
