import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tollgate-demo-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pnpm demo', () => {
  it('exits 0 with the targets met, and writes the audit file where asked', async () => {
    const audit = join(dir, 'audit.jsonl');
    const { stdout } = await run(process.execPath, [
      '--conditions=@tollgate/source',
      '--import',
      'tsx',
      main,
      '--json',
      '--audit',
      audit,
    ]);
    const report = JSON.parse(stdout);
    expect(report.summary.targetsMet).toBe(true);
    expect(report.audit).toMatchObject({ file: audit, verify: { ok: true } });
  }, 180_000); // a whole demo run in a child process: minutes on a loaded 2-core machine

  it('refuses an unknown flag with exit code 2 and the usage', async () => {
    const failed = await run(process.execPath, [
      '--conditions=@tollgate/source',
      '--import',
      'tsx',
      main,
      '--frobnicate',
    ]).catch((err: { code: number; stderr: string }) => err);
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toContain('Usage: pnpm demo');
  }, 60_000);
});
