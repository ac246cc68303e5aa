import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { ReplaySummary } from '../src/index.js';
import { fixture, repoRoot } from './helpers.js';

const run = promisify(execFile);
const bin = ['--conditions=@tollgate/source', '--import', 'tsx', 'packages/cli/src/bin.ts'];

/** Runs the real `tollgate` process, as `pnpm tollgate` does; resolves with its exit code and output. */
async function tollgate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...bin, ...args], { cwd: repoRoot });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the tollgate process', () => {
  it('replays AgentDojo episodes and exits 0', async () => {
    const { code, stdout } = await tollgate([
      'replay',
      fixture('agentdojo/episodes.jsonl'),
      '--policy',
      fixture('policy.ts'),
      '--transcripts',
      fixture('agentdojo/transcripts.jsonl'),
      '--json',
    ]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as ReplaySummary;
    expect(summary.totals).toEqual({ executed: 5, blocked: 1, approval: 2 });
    expect(summary.labels?.attack).toEqual({ executed: 0, blocked: 1, approval: 1 });
  }, 30_000);

  it('sets exit code 3 when lines were skipped, and 2 for a usage error', async () => {
    const skipped = await tollgate(['replay', fixture('tollgate.jsonl'), '--policy', fixture('policy.ts')]);
    expect(skipped.code).toBe(3);
    expect(skipped.stdout).toContain('line 2: not valid JSON');
    const usage = await tollgate(['replay', '--policy', fixture('policy.ts')]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe("tollgate: missing required argument 'episodes' (see tollgate replay --help)\n");
    const unknown = await tollgate(['replay', 'x.jsonl', '--policy', 'p.ts', '--frobnicate']);
    expect(unknown).toMatchObject({
      code: 2,
      stderr: "tollgate: unknown option '--frobnicate' (see tollgate replay --help)\n",
    });
  }, 30_000);

  it('prints its version', async () => {
    const { code, stdout } = await tollgate(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  }, 30_000);
});
