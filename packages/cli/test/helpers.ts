import { fileURLToPath } from 'node:url';
import { main } from '../src/index.js';

/** Absolute path of a fixture file. */
export const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** The repository root, where `pnpm tollgate` runs. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs the CLI in-process with captured streams. */
export async function runCli(
  args: readonly string[],
  options: { cwd?: string; signal?: AbortSignal } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    ...options,
  });
  return { code, stdout, stderr };
}
