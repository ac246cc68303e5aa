import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuditGate, JsonlFileSink } from '@tollgate/audit';
import { GatedToolRunner } from '@tollgate/core';
import { loadRules, RuleGate } from '@tollgate/rule';
import { CHROMIUM_AVAILABLE, launchChromium } from '@tollgate/test-utils';
import { type ApprovalEvent, generateWebhookSecret, verifyWebhook, WebhookNotifier } from '@tollgate/webhooks';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, hashToken, type ReviewConsole, startConsole } from '../src/index.js';
import { SCREENSHOTS } from './browser.js';

const ANN_PASSWORD = 'correct horse battery';
const BOB_TOKEN = 'tok_bob_0123456789abcdef';

const rules = loadRules({
  rules: [
    {
      id: 'too-large',
      effect: 'block',
      reason: 'over_limit',
      message: 'Payments above 5,000.00 are never made by the assistant.',
      match: { tool: 'send_money' },
      when: { path: '/amount', op: 'gt', value: '5000.00' },
    },
    {
      id: 'two-people',
      effect: 'require_approval',
      reason: 'large_payment',
      message: 'Payments above 1,000.00 need two people.',
      match: { tool: 'send_money' },
      when: { path: '/amount', op: 'gt', value: '1000.00' },
      quorum: { required: 2 },
    },
    {
      id: 'payee-unknown',
      effect: 'require_approval',
      reason: 'unknown_payee',
      message: "A payment to an account this customer has never paid needs the customer's confirmation.",
      match: { tool: 'send_money' },
      when: { not: { path: '/recipient', op: 'in', value: ['GB29NWBK60161331926819'] } },
    },
  ],
});

interface Setup {
  runner: GatedToolRunner;
  console: ReviewConsole;
  sent: Record<string, unknown>[];
  auditFile: string;
}

async function setup(
  dir: string,
  name: string,
  extra: { ttlMs?: number; notifier?: WebhookNotifier } = {},
): Promise<Setup> {
  const auditFile = join(dir, `${name}.jsonl`);
  const audit = new AuditGate({ sink: new JsonlFileSink(auditFile), writeAhead: true });
  const sent: Record<string, unknown>[] = [];
  const runner = new GatedToolRunner({
    gates: [new RuleGate({ rules }), audit],
    approvalTtlMs: extra.ttlMs ?? 10 * 60_000,
    tools: [
      {
        name: 'send_money',
        description: 'Send money to an IBAN.',
        parameters: {
          type: 'object',
          properties: {
            recipient: { type: 'string' },
            amount: { type: 'string', pattern: '^\\d+\\.\\d{2}$' },
            subject: { type: 'string' },
          },
          required: ['recipient', 'amount'],
          additionalProperties: false,
        },
        handler: (args: Record<string, unknown>) => {
          sent.push(args);
          return { ok: true };
        },
      },
    ],
  });
  const console = await startConsole({
    runner,
    audit,
    auditFiles: [auditFile],
    users: [
      { name: 'ann', passwordHash: await hashPassword(ANN_PASSWORD) },
      { name: 'bob', tokenHash: hashToken(BOB_TOKEN) },
      { name: 'emma.johnson', passwordHash: await hashPassword('emma-password') },
    ],
    pollMs: 200,
    ...(extra.notifier ? { notifier: extra.notifier } : {}),
  });
  return { runner, console, sent, auditFile };
}

const CUSTOMER = { actor: 'emma.johnson', tenant: 'bank-1', session: 'sess-42' };

describe.skipIf(!CHROMIUM_AVAILABLE)('tollgate console in headless Chromium', () => {
  let dir: string;
  let browser: Browser;
  let main: Setup;
  const hook = {
    received: [] as { headers: Record<string, string | string[] | undefined>; body: string }[],
    url: '',
    close: () => {},
  };
  const secret = generateWebhookSecret();
  let notifier: WebhookNotifier;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-console-'));
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        hook.received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    hook.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
    hook.close = () => server.close();
    notifier = new WebhookNotifier({ endpoints: [{ url: hook.url, secret }], minDelayMs: 20 });
    main = await setup(dir, 'main', { notifier });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await main?.console.close();
    await notifier?.close();
    hook.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function signIn(
    user: string,
    secret: string,
    base = main.console.url,
  ): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/login');
    await page.getByLabel('User name').fill(user);
    await page.getByLabel('Password or access token').fill(secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/`);
    return { context, page };
  }

  async function ask(args: Record<string, unknown>, context = CUSTOMER) {
    const r = await main.runner.call('send_money', args, {
      ...context,
      traceId: `trace_${Math.random().toString(36).slice(2)}`,
    });
    expect(r.status).toBe('approval_required');
    return r;
  }

  it('refuses every page and action without signing in', async () => {
    const res = await fetch(`${main.console.url}/`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login');
    const post = await fetch(`${main.console.url}/approvals/apr_x/decide`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'action=approve',
    });
    expect(post.status).toBe(403);
    const events = await fetch(`${main.console.url}/events`, { redirect: 'manual' });
    expect(events.status).toBe(303);
    // Another host name (DNS rebinding) is refused before anything else.
    const rebound = await new Promise<number>((done, fail) => {
      const { port } = new URL(main.console.url);
      request({ host: '127.0.0.1', port, path: '/login', headers: { host: `evil.example:${port}` } }, (res) => {
        res.resume();
        done(res.statusCode ?? 0);
      })
        .on('error', fail)
        .end();
    });
    expect(rebound).toBe(421);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${main.console.url}/login`);
    await page.getByLabel('User name').fill('ann');
    await page.getByLabel('Password or access token').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Wrong user name');
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'tg_session')).toBeUndefined();
    await context.close();
  });

  it('shows a paused call live, approves it, and the resumed call and its audit records appear', async () => {
    const { context, page } = await signIn('ann', ANN_PASSWORD);
    const session = (await context.cookies()).find((c) => c.name === 'tg_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    const asked = await ask({ recipient: 'US133000000121212121212', amount: '120.00', subject: 'Bill for March' });
    const id = asked.approval!.id;
    // The list updates by itself (server-sent events), without a reload.
    const item = page.locator(`li[id="${id}"]`);
    await item.waitFor();
    await expect.poll(() => item.textContent()).toContain('unknown_payee');
    const text = (await item.textContent()) ?? '';
    for (const fact of [
      'send_money',
      'emma.johnson',
      'bank-1',
      'sess-42',
      'payee-unknown',
      'US133000000121212121212',
      'Time left',
    ]) {
      expect(text).toContain(fact);
    }
    if (SCREENSHOTS)
      await page.screenshot({ path: fileURLToPath(new URL('pending.png', SCREENSHOTS)), fullPage: true });

    await item.getByRole('link', { name: 'Review and decide' }).click();
    await page
      .getByLabel('Comment (recorded with your name in the audit trail)')
      .fill('Confirmed with the customer by phone.');
    if (SCREENSHOTS)
      await page.screenshot({ path: fileURLToPath(new URL('approval.png', SCREENSHOTS)), fullPage: true });
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Approved');
    expect(await page.locator('h1 .badge').textContent()).toBe('approved');

    // The agent resumes the call; it runs once.
    const ran = await main.runner.resume(id);
    expect(ran.status).toBe('executed');
    expect(main.sent).toHaveLength(1);

    await page.goto(`${main.console.url}/calls?id=${asked.callId}`);
    const table = page.getByRole('table');
    await expect.poll(() => table.textContent()).toContain('approved by ann');
    const rows = await table.locator('tbody tr').allTextContents();
    expect(
      rows.map((r) =>
        r.includes('approval_required')
          ? 'asked'
          : r.includes('about to run')
            ? 'intent'
            : r.includes('executed')
              ? 'executed'
              : r.includes('approved by ann: “Confirmed')
                ? 'decision'
                : r,
      ),
    ).toEqual(['asked', 'decision', 'intent', 'executed']);
    expect(await page.locator('.good').first().textContent()).toMatch(/chain verified: \d+ records intact/);
    await context.close();
  });

  it('denies with a comment, and the history lists it', async () => {
    const { context, page } = await signIn('bob', BOB_TOKEN);
    const asked = await ask({ recipient: 'DE89370400440532013000', amount: '80.00' });
    await page.goto(`${main.console.url}/approvals/${asked.approval!.id}`);
    await page.getByLabel('Comment (recorded with your name in the audit trail)').fill('Not a payee we know.');
    await page.getByRole('button', { name: 'Deny' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Denied');
    expect((await main.runner.resume(asked.approval!.id)).reason).toBe('approval_denied');
    await page.getByRole('link', { name: 'History' }).click();
    const first = page.locator('tbody tr').first();
    expect(await first.textContent()).toContain('denied');
    expect(await first.textContent()).toContain('Not a payee we know.');
    expect(await first.textContent()).toContain('bob');
    if (SCREENSHOTS)
      await page.screenshot({ path: fileURLToPath(new URL('history.png', SCREENSHOTS)), fullPage: true });
    await context.close();
  });

  it('approve with changes makes a new call that every gate checks again: a rule blocks it', async () => {
    const { context, page } = await signIn('ann', ANN_PASSWORD);
    const asked = await ask({ recipient: 'DE89370400440532013000', amount: '90.00' });
    await page.goto(`${main.console.url}/approvals/${asked.approval!.id}`);
    const args = page.getByLabel('Arguments (JSON)');
    await args.fill('{ "recipient": "DE89370400440532013000", "amount": "not json');
    await page.getByRole('button', { name: 'Make the changed call' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not a JSON object');
    expect(await args.inputValue()).toContain('"not json'); // nothing typed is lost
    expect((await main.runner.getApproval(asked.approval!.id))?.status).toBe('pending');

    await args.fill(JSON.stringify({ recipient: 'DE89370400440532013000', amount: '9000.00' }));
    await page.getByLabel('Why (recorded in the audit trail)').fill('The customer meant nine thousand.');
    await page.getByRole('button', { name: 'Make the changed call' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('was not executed (blocked)');
    expect(await page.getByRole('alert').textContent()).toContain('over_limit');
    const original = await main.runner.getApproval(asked.approval!.id);
    expect(original).toMatchObject({
      status: 'denied',
      decision: { by: 'ann', comment: expect.stringContaining('Replaced with changes by call') },
    });
    expect(main.sent).toHaveLength(1); // only the first test's payment ever ran
    await context.close();
  });

  it('approve with changes that need approval again: someone else must approve them, then the console runs them', async () => {
    const { context, page } = await signIn('ann', ANN_PASSWORD);
    const asked = await ask({ recipient: 'DE89370400440532013000', amount: '95.00' });
    await page.goto(`${main.console.url}/approvals/${asked.approval!.id}`);
    await page
      .getByLabel('Arguments (JSON)')
      .fill(JSON.stringify({ recipient: 'DE89370400440532013000', amount: '59.00' }));
    await page.getByRole('button', { name: 'Make the changed call' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('waits for approval');
    const changedId = new URL(page.url()).pathname.split('/').pop()!;
    expect(changedId).not.toBe(asked.approval!.id);
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('another reviewer must approve');

    const bob = await signIn('bob', BOB_TOKEN);
    await bob.page.goto(`${main.console.url}/approvals/${changedId}`);
    await bob.page.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect.poll(() => bob.page.getByRole('status').textContent()).toContain('executed');
    expect(main.sent.at(-1)).toEqual({ recipient: 'DE89370400440532013000', amount: '59.00' });
    await bob.context.close();
    await context.close();
  });

  it('two people for a large payment, never the customer; the same person twice counts once', async () => {
    const asked = await ask({ recipient: 'GB29NWBK60161331926819', amount: '1500.00' });
    const id = asked.approval!.id;
    expect(asked.approval!.quorum).toEqual({ required: 2 });
    const emma = await signIn('emma.johnson', 'emma-password');
    await emma.page.goto(`${main.console.url}/approvals/${id}`);
    await emma.page.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect.poll(() => emma.page.getByRole('alert').textContent()).toContain('cannot approve it');
    const ann = await signIn('ann', ANN_PASSWORD);
    await ann.page.goto(`${main.console.url}/approvals/${id}`);
    await ann.page.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect.poll(() => ann.page.getByRole('status').textContent()).toContain('1 of 2');
    await ann.page.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect.poll(() => ann.page.getByRole('alert').textContent()).toContain('already approved');
    const bob = await signIn('bob', BOB_TOKEN);
    await bob.page.goto(`${main.console.url}/approvals/${id}`);
    expect(await bob.page.locator('.facts').first().textContent()).toContain('1 of 2 (ann)');
    await bob.page.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect.poll(() => bob.page.getByRole('status').textContent()).toContain('Approved');
    expect((await main.runner.resume(id)).status).toBe('executed');
    for (const s of [emma, ann, bob]) await s.context.close();
  });

  it('shows arguments holding HTML and script as text', async () => {
    const { context, page } = await signIn('ann', ANN_PASSWORD);
    const hostile = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>';
    const asked = await ask(
      { recipient: 'XX00<b>bold</b>', amount: '10.00', subject: hostile },
      { ...CUSTOMER, actor: '<i>emma</i>' },
    );
    let dialogs = 0;
    page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    for (const path of ['/', `/approvals/${asked.approval!.id}`, `/calls?id=${asked.callId}`]) {
      await page.goto(`${main.console.url}${path}`);
      expect(await page.evaluate(() => (globalThis as { pwned?: number }).pwned)).toBeUndefined();
      expect(await page.locator('main img, main script, main b, main i').count()).toBe(0);
      const text = (await page.locator('main').textContent()) ?? '';
      for (const shown of [
        'XX00<b>bold</b>',
        '<i>emma</i>',
        '<script>window.pwned=2</script>',
        '<img src=x onerror=',
      ]) {
        expect(text).toContain(shown);
      }
    }
    expect(dialogs).toBe(0);
    await context.close();
  });

  it('refuses a forged form post: without the CSRF token, and from another site', async () => {
    const { context, page } = await signIn('ann', ANN_PASSWORD);
    const asked = await ask({ recipient: 'DE89370400440532013000', amount: '11.00' });
    const id = asked.approval!.id;
    const status = await page.evaluate(async (target) => {
      const res = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'action=approve&comment=forged',
      });
      return { status: res.status, text: await res.text() };
    }, `/approvals/${id}/decide`);
    expect(status).toEqual({ status: 403, text: expect.stringContaining('CSRF') });
    // A page on another origin that auto-submits a form: the SameSite=Strict cookie is not sent, so no session.
    const evil = createServer((_req, res) => {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(
          `<form method="post" action="${main.console.url}/approvals/${id}/decide"><input name="action" value="approve"></form><script>document.forms[0].submit()</script>`,
        );
    });
    await new Promise<void>((done) => evil.listen(0, '127.0.0.1', done));
    const evilPage = await context.newPage();
    const response = evilPage.waitForResponse((r) => r.url().includes('/decide'));
    await evilPage.goto(`http://localhost:${(evil.address() as AddressInfo).port}/`);
    expect((await response).status()).toBe(403);
    evil.close();
    expect((await main.runner.getApproval(id))?.status).toBe('pending');
    await context.close();
  });

  it('an expired approval cannot be approved', async () => {
    const short = await setup(dir, 'short', { ttlMs: 1500 });
    try {
      const { context, page } = await signIn('ann', ANN_PASSWORD, short.console.url);
      const asked = await short.runner.call(
        'send_money',
        { recipient: 'DE89370400440532013000', amount: '12.00' },
        CUSTOMER,
      );
      await page.goto(`${short.console.url}/approvals/${asked.approval!.id}`);
      await new Promise((done) => setTimeout(done, 1600));
      await page.getByRole('button', { name: 'Approve', exact: true }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('expired');
      expect(await page.locator('h1 .badge').textContent()).toBe('expired');
      expect(await page.getByRole('button', { name: 'Approve', exact: true }).count()).toBe(0);
      expect((await short.runner.resume(asked.approval!.id)).reason).toBe('approval_expired');
      expect(short.sent).toHaveLength(0);
      await context.close();
    } finally {
      await short.console.close();
    }
  });

  it('sent signed notifications for what it saw: created and decided, verified by a real receiver', async () => {
    await notifier.flush();
    const events = hook.received.map((m) => verifyWebhook(secret, m.headers, m.body) as ApprovalEvent);
    const types = new Set(events.map((e) => e.type));
    expect(types).toEqual(new Set(['approval.created', 'approval.updated', 'approval.decided']));
    const decided = events.filter((e) => e.type === 'approval.decided').map((e) => e.data.approval.decision?.by);
    expect(decided).toEqual(expect.arrayContaining(['ann', 'bob']));
    const tampered = { ...hook.received[0]!, body: hook.received[0]!.body.replace('pending', 'approved') };
    expect(() => verifyWebhook(secret, tampered.headers, tampered.body)).toThrow(/signature/);
  });
});
