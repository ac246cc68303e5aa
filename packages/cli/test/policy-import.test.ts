// Policies the way users keep them: in their own project, ESM or CommonJS, TypeScript or JavaScript, outside this
// repository. These run the real `tollgate` process (from source, through tsx), since vitest loads modules itself.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { ReplaySummary } from '../src/index.js';
import { repoRoot, tempDir } from './helpers.js';

const tsx = createRequire(import.meta.url).resolve('tsx');
const bin = join(repoRoot, 'packages/cli/src/bin.ts');

/** A fresh folder outside the repository holding `files` (path → content). */
async function project(files: Record<string, string>): Promise<string> {
  const dir = await tempDir();
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

async function replay(cwd: string, policy: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = ['--conditions=@tollgate/source', '--import', tsx, bin, 'replay', 'episodes.jsonl', '--json'];
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [...args, '--policy', policy], { cwd });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const EPISODES = `${JSON.stringify({
  id: 'ep-1',
  calls: [
    { id: 'c1', tool: 'send_money', arguments: { amount: 5 } },
    { id: 'c2', tool: 'send_money', arguments: { amount: 500 } },
  ],
})}\n`;

// ESM syntax, import.meta, a NodeNext-style `./tools.js` import of tools.ts and an extensionless one.
const POLICY_TS = `
import { definePolicy } from '@tollgate/cli';
import type { Gate } from '@tollgate/core';
import { tools } from './tools.js';
import { LIMIT } from './limit';

const big: Gate = {
  name: 'big',
  stage: 'rule',
  check: (ctx) =>
    Number(ctx.args.amount) > LIMIT
      ? { outcome: 'require_approval', reason: 'big', message: 'Big payments need a human.' }
      : { outcome: 'allow', reason: 'ok' },
};
export default definePolicy({ name: new URL('.', import.meta.url).pathname, tools, gates: () => [big] });
`;
const TOOLS_TS = `export const tools = [{ name: 'send_money', parameters: { type: 'object', properties: { amount: { type: 'number' } } } }];\n`;
const LIMIT_TS = 'export const LIMIT: number = 100;\n';

function totals(stdout: string): ReplaySummary['totals'] {
  return (JSON.parse(stdout) as ReplaySummary).totals;
}

describe('a policy in the user’s project', () => {
  it('loads TypeScript as ESM inside a CommonJS package (no "type" field), relative imports included', async () => {
    const dir = await project({
      'package.json': '{"name":"cjs-project"}',
      'policy.ts': POLICY_TS,
      'tools.ts': TOOLS_TS,
      'limit.ts': LIMIT_TS,
      'episodes.jsonl': EPISODES,
    });
    const { code, stdout, stderr } = await replay(dir, './policy.ts');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(totals(stdout)).toEqual({ executed: 1, blocked: 0, approval: 1 });
  }, 60_000);

  it('loads a .js policy written as ESM in a "type": "commonjs" package', async () => {
    const dir = await project({
      'package.json': '{"name":"cjs-project","type":"commonjs"}',
      'policy.js': `import { definePolicy } from '@tollgate/cli';
export default definePolicy({ tools: [{ name: 'send_money', parameters: { type: 'object' } }], gates: () => [] });
`,
      'episodes.jsonl': EPISODES,
    });
    const { code, stdout } = await replay(dir, 'policy.js');
    expect(code).toBe(0);
    expect(totals(stdout)).toEqual({ executed: 2, blocked: 0, approval: 0 });
  }, 60_000);

  it("resolves a package from the policy's folder first, then from the current directory", async () => {
    const pkg = (limit: number) => ({
      'node_modules/limits/package.json': '{"name":"limits","type":"module","exports":"./index.js"}',
      'node_modules/limits/index.js': `export const LIMIT = ${limit};\n`,
    });
    const uses = POLICY_TS.replace("from './limit'", "from 'limits'");
    // The policy's own node_modules says 1000: both calls run.
    const own = await project({ ...pkg(1000), 'policy.ts': uses, 'tools.ts': TOOLS_TS, 'episodes.jsonl': EPISODES });
    expect(totals((await replay(own, 'policy.ts')).stdout)).toEqual({ executed: 2, blocked: 0, approval: 0 });
    // A policy kept elsewhere, with no node_modules of its own, finds the package in the project it is run from.
    const elsewhere = await project({ 'policy.ts': uses, 'tools.ts': TOOLS_TS });
    const cwd = await project({ ...pkg(100), 'episodes.jsonl': EPISODES });
    const { code, stdout } = await replay(cwd, join(elsewhere, 'policy.ts'));
    expect(code).toBe(0);
    expect(totals(stdout)).toEqual({ executed: 1, blocked: 0, approval: 1 });
    // The same for plain JavaScript, which Node first tries to load alone.
    const js = await project({
      'policy.mjs': `import { LIMIT } from 'limits';
export default { tools: [{ name: 'send_money', parameters: { type: 'object' } }], gates: () => [{
  name: 'big', stage: 'rule',
  check: (ctx) => ctx.args.amount > LIMIT ? { outcome: 'block', reason: 'big', message: 'No.' } : { outcome: 'allow', reason: 'ok' },
}] };
`,
    });
    expect(totals((await replay(cwd, join(js, 'policy.mjs'))).stdout)).toEqual({
      executed: 1,
      blocked: 1,
      approval: 0,
    });
  }, 60_000);

  it('names the package to install, on one line, when an import resolves nowhere', async () => {
    const dir = await project({
      'policy.ts': "import { thing } from '@acme/missing';\nexport default thing;\n",
      'episodes.jsonl': EPISODES,
    });
    const { code, stderr } = await replay(dir, 'policy.ts');
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(`Cannot find package '@acme/missing' imported from ${join(dir, 'policy.ts')}`);
    expect(stderr).toContain('npm install @acme/missing');
  }, 60_000);

  it('reports a TypeScript syntax error with its file, line and column, on one line', async () => {
    const dir = await project({ 'policy.ts': 'const a: = 1;\nexport default a;\n', 'episodes.jsonl': EPISODES });
    const { code, stderr } = await replay(dir, 'policy.ts');
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(`${join(dir, 'policy.ts')}:1:10: Unexpected "="`);
  }, 60_000);
});
