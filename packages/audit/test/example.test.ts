import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

it('the example in docs/audit.md runs: records, verifies, and catches tampering', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--conditions=@tollgate/source', '--import', 'tsx', 'packages/audit/examples/run.ts'],
    { cwd: root },
  );
  const lines = stdout.trim().split('\n');
  expect(lines.slice(0, 4)).toEqual([
    'call_demo_1 executed executed',
    'call_demo_2 approval_required large_payment',
    'call_demo_2 executed executed',
    'call_demo_3 blocked unknown_tool',
  ]);
  expect(lines[4]).toBe('stats {"intents":2,"outcomes":4,"approvals":0,"failures":0}');
  expect(lines[5]).toMatch(/^intact \{"ok":true,"records":6,/);
  const record = JSON.parse(lines[6]!.replace(/^outcome record /, ''));
  expect(record).toMatchObject({ seq: 2, kind: 'outcome', args: { api_key: '[REDACTED]' } });
  expect(stdout).not.toContain('sk-live-0123456789abcdefXYZ');
  expect(JSON.parse(lines[7]!.replace(/^edited /, ''))).toMatchObject({ kind: 'hash_mismatch', line: 1, seq: 1 });
  expect(JSON.parse(lines[8]!.replace(/^deleted /, ''))).toMatchObject({ kind: 'seq_gap', line: 3, seq: 4 });
  // Starts a process that loads tsx: a loaded 2-core machine needs far more than vitest's default 5 s.
}, 120_000);
