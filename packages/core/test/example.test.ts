import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

it('the concepts example in docs/concepts.md runs and shows each outcome', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--conditions=@tollgate/source', '--import', 'tsx', 'packages/core/examples/concepts.ts'],
    { cwd: root },
  );
  const lines = stdout.trim().split('\n');
  expect(lines[0]).toMatch(/^small payment\s+executed/);
  expect(lines[1]).toMatch(/^bad arguments\s+blocked\s+invalid_arguments\s+.*\/recipient: .*\/amount: must be > 0/);
  expect(lines[2]).toMatch(/^invented tool\s+blocked\s+unknown_tool/);
  expect(lines[3]).toMatch(/^large payment\s+approval_required\s+large_payment/);
  expect(lines[4]).toBe('slots held while it waits: 1');
  expect(lines[5]).toMatch(/^after approval\s+executed/);
  expect(lines[6]).toMatch(/^resumed twice\s+blocked\s+approval_consumed/);
});
