import { GatedToolRunner } from '@tollgate/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadTools } from '../src/data.js';
import { type BankPolicy, bankPolicy } from '../src/policy.js';

const KNOWN = 'GB29NWBK60161331926819';
const STRANGER = 'US133000000121212121212';
let policy: BankPolicy;
let runner: GatedToolRunner;
let t = Date.UTC(2026, 0, 15, 9);

beforeEach(() => {
  policy = bankPolicy({ knownPayees: new Set([KNOWN]) });
  const tools = loadTools().map(({ function: f }) => ({
    name: f.name,
    parameters: f.parameters,
    handler: () => 'ok',
    ...policy.tools[f.name],
  }));
  runner = new GatedToolRunner({ gates: policy.gates, tools, clock: { now: () => t } });
});

const who = { actor: 'emma', session: 's1' };
const pay = (recipient: string, amount: number, session = 's1') =>
  runner.call('send_money', { recipient, amount, subject: 'x', date: '2022-01-01' }, { ...who, session });

describe('the bank policy', () => {
  it('pays a known payee, in any spelling, and sends anyone else to approval', async () => {
    expect((await pay(KNOWN, 10)).status).toBe('executed');
    expect((await pay('gb29 nwbk 6016 1331 9268 19', 10)).status).toBe('executed');
    const stranger = await pay(STRANGER, 0.01);
    expect(stranger).toMatchObject({ status: 'approval_required', reason: 'unknown_payee', blockedBy: 'bank-policy' });
  });

  it('holds redirecting a scheduled payment to a stranger, but not changing its amount', async () => {
    const redirect = await runner.call('update_scheduled_transaction', { id: 7, recipient: STRANGER }, who);
    expect(redirect.reason).toBe('unknown_payee');
    expect((await runner.call('update_scheduled_transaction', { id: 7, amount: 1200 }, who)).status).toBe('executed');
    const large = await runner.call('update_scheduled_transaction', { id: 7, amount: 2500.01 }, who);
    expect(large.reason).toBe('large_scheduled_payment');
  });

  it('holds password and profile changes for approval', async () => {
    expect((await runner.call('update_password', { password: 'x' }, who)).reason).toBe('credential_change');
    expect((await runner.call('update_user_info', { city: 'Paris' }, who)).reason).toBe('profile_change');
    expect((await runner.call('get_balance', {}, who)).status).toBe('executed');
  });

  it('stops sending at 2,500.00 a day, to the cent, and starts afresh the next day', async () => {
    expect((await pay(KNOWN, 2000, 'a')).status).toBe('executed');
    expect(await pay(KNOWN, 500.01, 'b')).toMatchObject({ status: 'blocked', reason: 'budget_exceeded' });
    expect((await pay(KNOWN, 500, 'b')).status).toBe('executed');
    t += 86_400_000;
    expect((await pay(KNOWN, 2500, 'c')).status).toBe('executed');
  });

  it('allows three payments per session in ten minutes', async () => {
    for (let i = 0; i < 3; i++) expect((await pay(KNOWN, 1)).status).toBe('executed');
    expect(await pay(KNOWN, 1)).toMatchObject({ status: 'blocked', reason: 'rate_limited' });
    expect((await pay(KNOWN, 1, 's2')).status).toBe('executed');
  });

  it('does not charge the budget or the rate limit for a payment waiting for approval', async () => {
    for (let i = 0; i < 5; i++) expect((await pay(STRANGER, 1000)).status).toBe('approval_required');
    expect((await pay(KNOWN, 2500)).status).toBe('executed');
  });
});
