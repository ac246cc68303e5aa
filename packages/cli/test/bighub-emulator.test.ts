import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot, runCli, tempDir } from './helpers.js';

let child: ChildProcess | undefined;

afterEach(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  child = undefined;
});

/** Resolves with the first URL the process prints on stdout. */
function urlFrom(proc: ChildProcess): Promise<string> {
  return new Promise((done, fail) => {
    let out = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) done(m[1]!);
    });
    proc.once('exit', (code) => fail(new Error(`exited with ${code} before printing a URL: ${out}`)));
  });
}

describe('tollgate bighub-emulator', () => {
  it('starts as a process, answers, and stops on SIGINT', async () => {
    const dir = await tempDir();
    const rules = join(dir, 'rules.json');
    await writeFile(rules, JSON.stringify({ killSwitch: { reason: 'drill' } }));
    child = spawn(
      process.execPath,
      [
        '--conditions=@tollgate/source',
        '--import',
        'tsx',
        'packages/cli/src/bin.ts',
        'bighub-emulator',
        '--rules',
        rules,
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const url = await urlFrom(child);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const status = await fetch(`${url}/kill-switch/status`);
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({ active: true });
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    const [code] = await exited;
    expect(code).toBe(0);
  }, 30_000);

  it('runs in-process until its signal aborts', async () => {
    const controller = new AbortController();
    let stdout = '';
    const { main } = await import('../src/index.js');
    const running = main(['bighub-emulator'], {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: () => true },
      signal: controller.signal,
    });
    // The command imports the emulator on first use: allow for a loaded 2-core machine.
    await expect.poll(() => stdout, { timeout: 20_000 }).toContain('listening on');
    const url = /listening on (\S+)/.exec(stdout)![1]!;
    expect((await fetch(`${url}/kill-switch/status`)).status).toBe(200);
    controller.abort();
    expect(await running).toBe(0);
  });

  it('refuses a bad port and a rules file with unknown fields (exit 2)', async () => {
    const port = await runCli(['bighub-emulator', '--port', 'eighty']);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--port must be an integer');
    const dir = await tempDir();
    await writeFile(join(dir, 'rules.json'), '{"maxvalue": 10}');
    const rules = await runCli(['bighub-emulator', '--rules', 'rules.json'], { cwd: dir });
    expect(rules.code).toBe(2);
    expect(rules.stderr).toContain('unknown field(s) maxvalue');
  });
});
