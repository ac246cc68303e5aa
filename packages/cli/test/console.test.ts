import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { hashToken } from '@tollgate/console';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPasswordCommand } from '../src/commands/console.js';
import { main } from '../src/index.js';
import { repoRoot, runCli } from './helpers.js';

// The end-to-end run (two processes, Redis, Chromium) is examples/banking/test/live-console.test.ts.
describe('tollgate console', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-cli-console-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('serves until stopped: a users file token signs in, and the pages answer', async () => {
    const users = join(dir, 'users.json');
    await writeFile(users, JSON.stringify([{ name: 'ann', tokenHash: hashToken('ann-token-0123456789') }]));
    const stop = new AbortController();
    const out = join(dir, 'decisions.jsonl');
    let stdout = '';
    let stderr = '';
    let listening: (url: string) => void = () => {};
    const url = new Promise<string>((done) => (listening = done));
    const io = {
      stdout: {
        write: (s: string) => {
          stdout += s;
          const m = /listening on (\S+)/.exec(stdout);
          if (m) listening(m[1]!);
        },
      },
      stderr: { write: (s: string) => (stderr += s) },
      cwd: repoRoot,
      signal: stop.signal,
    };
    const args = [
      'console',
      '--users',
      users,
      '--port',
      '0',
      '--audit-out',
      out,
      '--policy',
      'examples/policies/src/banking.ts',
    ];
    const running = main(args, io);
    const base = await url;
    const form = await fetch(`${base}/login`);
    const cookie = form.headers.get('set-cookie')!.split(';')[0]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())![1]!;
    const signedIn = await fetch(`${base}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, user: 'ann', secret: 'ann-token-0123456789' }),
    });
    expect(signedIn.status).toBe(303);
    const session = signedIn.headers
      .getSetCookie()
      .find((c) => c.startsWith('tg_session='))!
      .split(';')[0]!;
    const pending = await fetch(`${base}/`, { headers: { cookie: session } });
    expect(await pending.text()).toContain('Nothing waits for a decision.');
    const history = await fetch(`${base}/history`, { headers: { cookie: session } });
    expect(await history.text()).toContain('chain verified: 0 records intact');
    stop.abort();
    expect(await running).toBe(0);
    expect(stderr).toContain('No --redis');
    expect(stderr).toContain(`Decisions are recorded in ${out}`);
  });

  it('prints a one-time token when no users file is given', async () => {
    const stop = new AbortController();
    stop.abort();
    const result = await runCli(['console', '--port', '0', '--audit-out', join(dir, 'a.jsonl')], {
      signal: stop.signal,
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/sign in as "[^"]+" with this one-time token[^\n]*\n {2}[\w-]{32}\n/);
  });

  it('refuses bad options, users files and policies with one clear line', async () => {
    const badUsers = join(dir, 'bad-users.json');
    await writeFile(badUsers, JSON.stringify([{ name: 'ann', passwordHash: 'plain-text' }]));
    const cases: [string[], RegExp][] = [
      [['console', '--port', '99999'], /--port must be/],
      [['console', '--poll-ms', '1'], /--poll-ms must be at least 50/],
      [['console', '--users', join(dir, 'missing.json')], /Users file .*missing\.json/],
      [['console', '--users', badUsers, '--port', '0', '--audit-out', join(dir, 'b.jsonl')], /not a scrypt hash/],
      [
        ['console', '--redis', 'redis://127.0.0.1:1', '--port', '0'],
        /Redis at redis:\/\/127\.0\.0\.1:1 did not answer/,
      ],
      [
        ['console', '--webhook', 'http://127.0.0.1:9/x', '--port', '0', '--audit-out', join(dir, 'c.jsonl')],
        /TOLLGATE_WEBHOOK_SECRET/,
      ],
      [
        ['console', '--policy', 'nope.ts', '--port', '0', '--audit-out', join(dir, 'd.jsonl')],
        /Policy module not found/,
      ],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args, { cwd: repoRoot });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
  });

  it('hash-password prints a scrypt hash of the password read on stdin', async () => {
    let stdout = '';
    const code = await hashPasswordCommand(
      { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: () => true } },
      Readable.from(['a long passphrase\n']),
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+\n$/);
    await expect(
      hashPasswordCommand({ stdout: { write: () => true }, stderr: { write: () => true } }, Readable.from(['short'])),
    ).rejects.toThrow(/at least 8/);
  });
});
