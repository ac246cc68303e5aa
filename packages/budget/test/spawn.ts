import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The package directory: workers run from here so workspace packages resolve to their TypeScript source. */
export const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Starts `node --conditions=@tollgate/source --import tsx <file>` from `cwd` with extra environment variables. */
export function startNode(file: string, env: Record<string, string>, cwd = packageDir): ChildProcess {
  return spawn(process.execPath, ['--conditions=@tollgate/source', '--import', 'tsx', file], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs a Node script to completion; resolves with its stdout, rejects with its stderr on a non-zero exit. */
export function runNode(file: string, env: Record<string, string>, cwd = packageDir): Promise<string> {
  const child = startNode(file, env, cwd);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    err += d;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${file} exited ${code}: ${err}`))));
  });
}

/** Resolves with the first stdout line of a running child that matches `pattern`. */
export function waitForLine(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before printing ${pattern}`)));
    child.stdout?.on('data', (d) => {
      buffer += d;
      const line = buffer.split('\n').find((l) => pattern.test(l));
      if (line) resolve(line);
    });
  });
}
