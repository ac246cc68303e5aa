import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  CHROMIUM_AVAILABLE,
  connectTestRedis,
  deletePrefix,
  launchChromium,
  REDIS_URL,
  testPrefix,
} from '@tollgate/test-utils';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveEvent } from '../src/live-agent.js';

// `tollgate console` against the banking agent, in two processes on one Redis, driven in headless Chromium.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const redis = await connectTestRedis();
const children: ChildProcess[] = [];

function node(args: string[], stdin?: string): ChildProcess {
  const child = spawn(process.execPath, ['--conditions=@tollgate/source', '--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  if (stdin !== undefined) child.stdin!.end(stdin);
  else child.stdin!.end();
  return child;
}

/** Every stdout line of a child, as it arrives. */
function lines(child: ChildProcess): { all: string[]; next(match: (line: string) => boolean): Promise<string> } {
  const all: string[] = [];
  const waiters: { match: (line: string) => boolean; done: (line: string) => void }[] = [];
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    all.push(line);
    for (const w of [...waiters]) {
      if (w.match(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.done(line);
      }
    }
  });
  return {
    all,
    next(match) {
      const seen = all.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((done, fail) => {
        waiters.push({ match, done });
        child.once('exit', (code) =>
          fail(new Error(`process exited (${code}) before the expected line; stderr: ${stderr}`)),
        );
      });
    },
  };
}

describe.skipIf(!redis || !CHROMIUM_AVAILABLE)(
  'tollgate console with the banking agent, two processes on one Redis',
  () => {
    let dir: string;
    let browser: Browser;
    const prefix = testPrefix('console-live');

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'tollgate-live-'));
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
      if (redis) {
        await deletePrefix(redis, prefix);
        redis.disconnect();
      }
      await rm(dir, { recursive: true, force: true });
    });

    it('the reviewer approves the bill and denies the password change; the agent resumes both; the trail shows it all', async () => {
      const hash = lines(node(['packages/cli/src/bin.ts', 'console', 'hash-password'], 'correct horse battery\n'));
      const passwordHash = await hash.next((l) => l.startsWith('$scrypt$'));
      const users = join(dir, 'users.json');
      await writeFile(users, JSON.stringify([{ name: 'ann@bank.example', passwordHash }]));
      const agentAudit = join(dir, 'agent.jsonl');
      const consoleAudit = join(dir, 'console.jsonl');

      const agent = lines(
        node([
          'examples/banking/src/live.ts',
          '--redis',
          REDIS_URL,
          '--prefix',
          prefix,
          '--audit',
          agentAudit,
          '--episode',
          'banking/user_task_0/none/none',
          '--episode',
          'banking/user_task_14/none/none',
        ]),
      );
      const review = lines(
        node([
          'packages/cli/src/bin.ts',
          'console',
          '--redis',
          REDIS_URL,
          '--prefix',
          prefix,
          '--users',
          users,
          '--audit',
          agentAudit,
          '--audit-out',
          consoleAudit,
          '--port',
          '0',
          '--poll-ms',
          '200',
          '--policy',
          'examples/policies/src/banking.ts',
        ]),
      );
      const url = (await review.next((l) => l.includes('listening on'))).split('listening on ')[1]!;
      const paused = JSON.parse(await agent.next((l) => l.includes('"paused"'))) as Extract<
        LiveEvent,
        { type: 'paused' }
      >;
      expect(paused.approvals.map((a) => a.tool)).toEqual(['send_money']);

      const page = await (await browser.newContext()).newPage();
      await page.goto(`${url}/`);
      await page.getByLabel('User name').fill('ann@bank.example');
      await page.getByLabel('Password or access token').fill('correct horse battery');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${url}/`);
      const bill = page.locator(`li[id="${paused.approvals[0]!.id}"]`);
      await bill.waitFor();
      const text = (await bill.textContent()) ?? '';
      expect(text).toContain('unknown_payee');
      expect(text).toContain('emma.johnson');
      expect(text).toContain('payee-unknown'); // the rule that asked
      expect(text).toContain('untrusted'); // and the provenance gate: the IBAN came from a file, not the user
      expect(text).toContain('read_file');
      await bill.getByRole('link', { name: 'Review and decide' }).click();
      await page
        .getByLabel('Comment (recorded with your name in the audit trail)')
        .fill('The customer confirmed the bill.');
      if (process.env.TOLLGATE_SCREENSHOTS === '1') {
        const shot = fileURLToPath(new URL('../../../docs/console/banking-approval.png', import.meta.url));
        await page.screenshot({ path: shot, fullPage: true });
      }
      await page.getByRole('button', { name: 'Approve', exact: true }).click();
      await expect.poll(() => page.getByRole('status').textContent()).toContain('Approved');

      // The agent, in its own process, sees the decision in Redis and resumes: the payment runs once.
      const ran = JSON.parse(await agent.next((l) => l.includes('"resumedFrom"') && l.includes('send_money')));
      expect(ran).toMatchObject({ status: 'executed', resumedFrom: paused.approvals[0]!.id });

      // The next episode pauses on the password change; the reviewer denies it from the live list.
      const second = JSON.parse(await agent.next((l) => l.includes('"paused"') && l.includes('update_password')));
      await page.getByRole('link', { name: 'Pending', exact: true }).click();
      const password = page.locator(`li[id="${second.approvals[0].id}"]`);
      await password.waitFor();
      await password.getByRole('link', { name: 'Review and decide' }).click();
      await page
        .getByLabel('Comment (recorded with your name in the audit trail)')
        .fill('Password changes go through the bank.');
      await page.getByRole('button', { name: 'Deny' }).click();
      await expect.poll(() => page.getByRole('status').textContent()).toContain('Denied');
      const refused = JSON.parse(await agent.next((l) => l.includes('"resumedFrom"') && l.includes('update_password')));
      expect(refused).toMatchObject({ status: 'blocked', reason: 'approval_denied' });
      await agent.next((l) => l.includes('"done"') && l.includes('user_task_14'));

      // The console shows the agent's records and its own, from two files, each chain verified.
      await page.goto(`${url}/calls?id=${ran.callId}`);
      const main = (await page.locator('main').textContent()) ?? '';
      expect(main).toContain('approved by ann@bank.example');
      expect(main).toContain('executed');
      expect(main).toContain('approval_required');
      expect(await page.locator('.good').allTextContents()).toHaveLength(2);
      const decisions = (await readFile(consoleAudit, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(decisions.map((d) => [d.kind, d.approval?.said, d.approval?.by])).toEqual([
        ['approval', 'approved', 'ann@bank.example'],
        ['approval', 'denied', 'ann@bank.example'],
      ]);
    }, 180_000); // two agent processes, a console and Chromium: about a minute on a loaded 2-core machine
  },
);
