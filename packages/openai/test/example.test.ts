import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

it('the example runs a loop that pauses for approval and completes once approved', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--conditions=@tollgate/source', '--import', 'tsx', 'packages/openai/examples/run.ts'],
    { cwd: repoRoot, timeout: 20_000 },
  );
  expect(stdout.split('\n').filter(Boolean)).toEqual([
    'status: paused',
    expect.stringMatching(/^needs approval: send_money \{"to":"bob","amount":250\} \(Payments over 100 need a human\./),
    'status: completed',
    'model: Done: sent 250 to bob.',
  ]);
}, 30_000);
