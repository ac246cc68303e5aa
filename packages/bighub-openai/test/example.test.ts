import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

it('the quick start runs offline against the emulator and a scripted model', async () => {
  const env = { ...process.env };
  delete env.OPENAI_API_KEY;
  delete env.BIGHUB_API_KEY;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--conditions=@tollgate/source', '--import', 'tsx', 'packages/bighub-openai/examples/quickstart.ts'],
    { cwd: repoRoot, timeout: 50_000, env },
  );
  expect(stdout.split('\n').filter(Boolean)).toEqual([
    'refund_payment: executed; BIGHUB: ok (risk 0.1)',
    'model: Refunded: {"ok":true,"order_id":"ord_123","amount":199.99}',
  ]);
});
