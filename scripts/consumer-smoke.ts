// Uses tollgate the way a user does, from outside the workspace: packs every public package, installs the
// tarballs with npm into an empty ESM project (no ioredis), compiles the README's "In code" example with strict
// NodeNext and no skipLibCheck, runs it with plain node, and runs the CLI with policies that live in that
// project. Usage: node --import tsx scripts/consumer-smoke.ts [--keep]   (--keep leaves the project for a look)
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { type Manifest, type PublicPackage, packAll, publicPackages, ROOT, run, seconds } from './packages.js';

const keep = process.argv.includes('--keep');
const rootManifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;
const devDependency = (pkg: string, name: string) => {
  const manifest = JSON.parse(readFileSync(join(ROOT, pkg, 'package.json'), 'utf8')) as Manifest;
  return (manifest.devDependencies as Record<string, string>)[name]!;
};

/** The README's "In code" example, exactly as written there. */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^## In code$/m)[1];
  const block = section?.match(/```ts\n([\s\S]*?)\n```/)?.[1];
  if (!block) throw new Error('README.md has no ```ts block under "## In code"');
  return block;
}

// What the example expects to exist: a bank to call, and the tool call a model sent.
const HARNESS = `import type { ChatCompletionMessageFunctionToolCall } from 'openai/resources/chat/completions';

export const payments: { recipient: string; amount: number }[] = [];
export const bank = {
  send(recipient: string, amount: number): string {
    payments.push({ recipient, amount });
    return \`sent \${amount} to \${recipient}\`;
  },
};
export const toolCall: ChatCompletionMessageFunctionToolCall = {
  id: 'call_smoke_1',
  type: 'function',
  function: { name: 'send_money', arguments: JSON.stringify({ recipient: 'DE89370400440532013000', amount: 120.5 }) },
};
`;

const CHECK = `import { loaded } from './entry-points.js';
import { result } from './example.js';
import { payments } from './harness.js';

console.log(\`\${loaded.length} entry points loaded\`);

if (result.status !== 'executed' || payments.length !== 1) {
  console.error(\`expected the call to run once, got \${result.status} (\${result.reason}), \${payments.length} payments\`);
  process.exit(1);
}
console.log(\`\${result.status}: \${JSON.stringify(result.result)}\`);
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    skipLibCheck: false,
    types: ['node'],
    outDir: 'dist',
    noEmitOnError: true,
  },
  include: ['src'],
};

// A policy as a user writes one, importing the gates from the project's node_modules.
const POLICY = `import { definePolicy } from '@tollgate/cli';
import { RateGate, rateKey } from '@tollgate/rate';
import { loadRules, RuleGate } from '@tollgate/rule';

const sendMoney = {
  name: 'send_money',
  parameters: {
    type: 'object',
    properties: { recipient: { type: 'string' }, amount: { type: 'number' } },
    required: ['recipient', 'amount'],
  },
};

export default definePolicy({
  name: new URL(import.meta.url).pathname.split('/').pop()!,
  tools: [sendMoney],
  gates: () => [
    new RateGate({ limits: { key: rateKey('actor'), points: 10, durationMs: 60_000 } }),
    new RuleGate({
      rules: loadRules({
        rules: [
          {
            id: 'large',
            effect: 'require_approval',
            reason: 'large_payment',
            message: 'Payments above 1000.00 need a human.',
            match: { tool: 'send_money' },
            when: { path: '/amount', op: 'gt', value: '1000.00' },
          },
        ],
      }),
    }),
  ],
  context: (episode) => ({ actor: 'emma', session: episode.id }),
});
`;

const EPISODES = `${JSON.stringify({
  id: 'ep-1',
  calls: [
    { id: 'c1', tool: 'send_money', arguments: '{"recipient":"GB29NWBK60161331926819","amount":12.5}', output: 'sent' },
    { id: 'c2', tool: 'send_money', arguments: '{"recipient":"US133000000121212121212","amount":5000}' },
    { id: 'c3', tool: 'delete_account', arguments: '{}' },
  ],
})}\n`;

async function write(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

async function step<T>(what: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const value = await work();
    console.log(`ok   ${what} (${seconds(started)} s)`);
    return value;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message?: string };
    console.log(`FAIL ${what}\n${[e.message, e.stdout, e.stderr].filter(Boolean).join('\n').trim()}`);
    throw err;
  }
}

/** The tollgate replay summary for one policy, checked against what the three recorded calls must get. */
async function replay(cwd: string, policy: string): Promise<void> {
  const { stdout, stderr } = await run(
    join(cwd, 'node_modules/.bin/tollgate'),
    ['replay', 'episodes.jsonl', '--policy', policy, '--json'],
    { cwd },
  );
  const summary = JSON.parse(stdout) as { totals: Record<string, number>; warnings: unknown[] };
  const expected = { executed: 1, blocked: 1, approval: 1 };
  if (JSON.stringify(summary.totals) !== JSON.stringify(expected) || summary.warnings.length > 0 || stderr) {
    throw new Error(
      `replay with ${policy}: ${JSON.stringify(summary.totals)}, warnings ${JSON.stringify(summary.warnings)} ${stderr}`,
    );
  }
}

/**
 * One import of every entry point of every public package (not only those the README uses), so each package's
 * declarations are type-checked as a user's compiler sees them, and each module loads under plain node.
 */
function entryPoints(packages: readonly PublicPackage[]): string {
  const specifiers = packages.flatMap((pkg) =>
    Object.entries((pkg.manifest.exports as Record<string, unknown>) ?? {})
      .filter(([subpath, target]) => !subpath.endsWith('.json') && typeof target === 'object')
      .map(([subpath]) => `${pkg.manifest.name}${subpath.slice(1)}`),
  );
  const lines = specifiers.map((s, i) => `import * as entry${i} from '${s}';`);
  return `${lines.join('\n')}\n\nexport const loaded = [${specifiers.map((_, i) => `entry${i}`).join(', ')}];\n`;
}

/** Every file an installed @tollgate package's exports point at exists, and no TypeScript source came along. */
async function checkInstalled(project: string): Promise<void> {
  const scope = join(project, 'node_modules/@tollgate');
  for (const name of await readdir(scope)) {
    const dir = join(scope, name);
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Manifest;
    for (const target of exportTargets(manifest.exports)) {
      if (!existsSync(join(dir, target))) throw new Error(`@tollgate/${name}: exports name ${target}, not installed`);
    }
    if (existsSync(join(dir, 'src')) || existsSync(join(dir, 'dist/.tsbuildinfo'))) {
      throw new Error(`@tollgate/${name} ships src/ or dist/.tsbuildinfo`);
    }
  }
}

/** The file paths an `exports` field points at, under every condition. */
function exportTargets(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null) return [];
  return Object.values(value).flatMap(exportTargets);
}

async function main(): Promise<number> {
  const started = performance.now();
  const packages = publicPackages();
  const work = await mkdtemp(join(tmpdir(), 'tollgate-consumer-'));
  const project = join(work, 'project');
  if (!relative(ROOT, project).startsWith('..')) throw new Error(`${project} is inside the repository`);
  try {
    const tarballs = await step(`pack ${packages.length} packages`, () => packAll(packages, join(work, 'tarballs')));
    await write(project, {
      'package.json': `${JSON.stringify({ name: 'tollgate-consumer', private: true, type: 'module' }, null, 2)}\n`,
      'tsconfig.json': `${JSON.stringify(TSCONFIG, null, 2)}\n`,
      'src/harness.ts': HARNESS,
      'src/example.ts': `import { bank, toolCall } from './harness.js';\n\n${readmeExample()}\n\nexport { result };\n`,
      'src/check.ts': CHECK,
      'src/entry-points.ts': entryPoints(packages),
      'policy.ts': POLICY,
      'commonjs/package.json': '{ "type": "commonjs" }\n',
      'commonjs/policy.ts': POLICY,
      'episodes.jsonl': EPISODES,
    });
    await write(work, { 'elsewhere/policy.ts': POLICY });
    await step('npm install the tarballs (no ioredis)', () =>
      run(
        'npm',
        [
          'install',
          '--no-audit',
          '--no-fund',
          '--loglevel=error',
          ...tarballs.values(),
          `openai@${devDependency('packages/openai', 'openai')}`,
          `ai@${devDependency('packages/ai-sdk', 'ai')}`,
          `typescript@${(rootManifest.devDependencies as Record<string, string>).typescript}`,
          `@types/node@${(rootManifest.devDependencies as Record<string, string>)['@types/node']}`,
        ],
        { cwd: project, maxBuffer: 16 * 1024 * 1024 },
      ),
    );
    await step('installed packages hold what their exports name, and no src/', () => checkInstalled(project));
    if (existsSync(join(project, 'node_modules/ioredis'))) throw new Error('ioredis was installed');
    await step('tsc: every entry point and the README example, strict, NodeNext, no skipLibCheck', () =>
      run(join(project, 'node_modules/.bin/tsc'), ['-p', '.'], { cwd: project }),
    );
    await step('node: every entry point loads; the README example runs and the call ends executed', async () => {
      const { stdout } = await run(process.execPath, ['dist/check.js'], { cwd: project });
      if (!/^\d+ entry points loaded\nexecuted: /.test(stdout)) throw new Error(stdout);
    });
    await step('tollgate --help', async () => {
      const { stdout } = await run(join(project, 'node_modules/.bin/tollgate'), ['--help'], { cwd: project });
      if (!stdout.includes('replay')) throw new Error(stdout);
    });
    await step('tollgate replay: a .ts policy in the project (ESM)', () => replay(project, './policy.ts'));
    await step('tollgate replay: a .ts policy in a CommonJS folder', () => replay(project, 'commonjs/policy.ts'));
    await step('tollgate replay: a policy outside any project, @tollgate/* from the current one', () =>
      replay(project, join(work, 'elsewhere/policy.ts')),
    );
  } catch {
    console.log(
      `Consumer smoke test FAILED after ${seconds(started)} s${keep ? `; the project is in ${project}` : ''}`,
    );
    return 1;
  } finally {
    if (!keep) await rm(work, { recursive: true, force: true });
  }
  console.log(`Consumer smoke test passed in ${seconds(started)} s${keep ? `; the project is in ${project}` : ''}`);
  return 0;
}

process.exitCode = await main();
