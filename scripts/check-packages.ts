// The packaging checks CI runs on every public package: our manifest rules, publint and attw (ESM-only profile)
// on the very tarballs a user would install. Usage: node --import tsx scripts/check-packages.ts
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getExitCode } from '@arethetypeswrong/cli/internal/getExitCode';
import { type RenderOptions, typed } from '@arethetypeswrong/cli/internal/render';
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core';
import pMap from 'p-map';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { type Manifest, type PublicPackage, packAll, publicPackages, ROOT, seconds } from './packages.js';

/** attw's `esm-only` profile: the packages are ES modules only, so `require` and node10 resolution do not apply. */
const ATTW_ESM_ONLY: RenderOptions = { ignoreResolutions: ['node10', 'node16-cjs'] };

/** The condition that points the workspace at TypeScript sources; it must never reach a tarball. */
const SOURCE_CONDITION = '@tollgate/source';

const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;
const repository = (root.repository as { url: string }).url;

/** What our own rules find wrong with a package's manifest, README and imports (empty when nothing). */
function manifestProblems(pkg: PublicPackage): string[] {
  const m = pkg.manifest;
  const problems: string[] = [];
  const need = (ok: unknown, what: string) => {
    if (!ok) problems.push(what);
  };
  need(m.license === 'MIT', 'license must be "MIT"');
  need(existsSync(join(ROOT, pkg.dir, 'LICENSE')), 'has no LICENSE file');
  need(m.type === 'module', 'type must be "module" (the packages are ESM-only)');
  need(typeof m.sideEffects === 'boolean' || Array.isArray(m.sideEffects), 'sideEffects must be declared');
  need((m.engines as { node?: string } | undefined)?.node, 'engines.node must be declared');
  need(Array.isArray(m.keywords) && m.keywords.length > 0, 'keywords must be listed');
  need(typeof m.homepage === 'string' && m.homepage.startsWith(repository.replace(/^git\+|\.git$/g, '')), 'homepage');
  need(typeof m.bugs === 'string' || typeof m.bugs === 'object', 'bugs must be declared');
  const repo = m.repository as { url?: string; directory?: string } | undefined;
  need(repo?.url === repository, `repository.url must be ${repository}, as in the root package.json`);
  need(repo?.directory === pkg.dir, `repository.directory must be ${pkg.dir}`);
  need((m.scripts as Record<string, string> | undefined)?.prepack, 'scripts.prepack must build the package');
  const files = (m.files as string[] | undefined) ?? [];
  need(files.includes('dist') && !files.includes('src'), 'files must hold dist and not src');
  need(files.includes('!dist/.tsbuildinfo'), 'files must leave out dist/.tsbuildinfo');

  const exportsField = m.exports as Record<string, unknown> | undefined;
  const published = (m.publishConfig as { exports?: unknown } | undefined)?.exports;
  need(exportsField, 'exports must be declared');
  if (exportsField) {
    need(
      JSON.stringify(published) === JSON.stringify(withoutSourceCondition(exportsField)),
      `publishConfig.exports must equal exports without the ${SOURCE_CONDITION} condition`,
    );
    for (const [subpath, target] of Object.entries(exportsField)) {
      if (typeof target !== 'object' || target === null) continue;
      const source = (target as Record<string, string>)[SOURCE_CONDITION];
      need(source && existsSync(join(ROOT, pkg.dir, source)), `exports["${subpath}"] needs a ${SOURCE_CONDITION} file`);
    }
  }

  const readme = existsSync(join(ROOT, pkg.dir, 'README.md'))
    ? readFileSync(join(ROOT, pkg.dir, 'README.md'), 'utf8')
    : '';
  need(readme, 'has no README.md');
  need(
    new RegExp(`npm install (--save-dev |-D )?${m.name.replace('/', '\\/')}\\b`).test(readme),
    `README.md must show \`npm install ${m.name}\``,
  );
  for (const [, link] of readme.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (!/^(https?:|mailto:|#)/.test(link!))
      problems.push(`README.md links to ${link}, which is broken on the registry page`);
  }
  problems.push(...importProblems(pkg));
  return problems;
}

/** `exports` as published: the workspace-only source condition removed from every subpath. */
function withoutSourceCondition(exportsField: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(exportsField).map(([subpath, target]) => [
      subpath,
      typeof target === 'object' && target !== null
        ? Object.fromEntries(Object.entries(target).filter(([condition]) => condition !== SOURCE_CONDITION))
        : target,
    ]),
  );
}

/**
 * Every package a source file imports must be a dependency or a peer; a dependency nothing imports is dead
 * weight for users; an optional peer may only be imported dynamically, or a user without it cannot load (or,
 * through the .d.ts, type-check) the package.
 */
function importProblems(pkg: PublicPackage): string[] {
  const m = pkg.manifest;
  const deps = Object.keys((m.dependencies as Record<string, string> | undefined) ?? {});
  const peers = Object.keys((m.peerDependencies as Record<string, string> | undefined) ?? {});
  const optional = new Set(
    Object.entries((m.peerDependenciesMeta as Record<string, { optional?: boolean }> | undefined) ?? {})
      .filter(([, meta]) => meta.optional)
      .map(([name]) => name),
  );
  const imported = new Set<string>();
  const problems: string[] = [];
  for (const file of sourceFiles(join(ROOT, pkg.dir, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const [, specifier] of text.matchAll(/(?:^|\s)(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)) {
      const name = packageName(specifier!);
      if (!name || name === m.name) continue;
      imported.add(name);
      if (optional.has(name))
        problems.push(`${file.slice(ROOT.length + 1)} imports the optional peer ${name} statically`);
    }
    for (const [, specifier] of text.matchAll(/import\(\s*'([^']+)'\s*\)/g)) {
      const name = packageName(specifier!);
      if (name && name !== m.name) imported.add(name);
    }
  }
  for (const name of imported) {
    if (!deps.includes(name) && !peers.includes(name)) problems.push(`src imports ${name}, which is not a dependency`);
  }
  for (const name of deps) if (!imported.has(name)) problems.push(`depends on ${name}, which nothing in src imports`);
  return problems;
}

function packageName(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.[cm]?tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** publint's errors and warnings (warnings count as errors) on the packed tarball; suggestions are printed only. */
async function publintProblems(tarball: string): Promise<{ errors: string[]; notes: string[] }> {
  const data = await readFile(tarball);
  const { messages, pkg } = await publint({
    pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer },
    level: 'suggestion',
    strict: true,
  });
  const text = (type: string) =>
    messages.filter((msg) => msg.type === type).map((msg) => `${msg.code}: ${formatMessage(msg, pkg) ?? ''}`);
  return { errors: text('error'), notes: text('suggestion') };
}

/**
 * attw on the packed tarball with the ESM-only profile (node10 and CommonJS `require` resolutions ignored): what
 * `attw <tarball> --profile esm-only` checks and prints, run in this process through the CLI's own exit-code and
 * render functions, so TypeScript loads once for all packages instead of once per package.
 */
async function attwProblems(tarball: string): Promise<string[]> {
  const analysis = await checkPackage(createPackageFromTarballData(new Uint8Array(await readFile(tarball))));
  if (!analysis.types) return ['attw: the package ships no types'];
  const options: RenderOptions = { ...ATTW_ESM_ONLY, format: 'ascii', emoji: false, color: false, summary: true };
  if (getExitCode(analysis, options) === 0) return [];
  return [`attw --profile esm-only:\n${(await typed(analysis, options)).trim()}`];
}

async function main(): Promise<number> {
  const started = performance.now();
  const packages = publicPackages();
  const dest = await mkdtemp(join(tmpdir(), 'tollgate-tarballs-'));
  let failed = 0;
  try {
    const tarballs = await packAll(packages, dest);
    console.log(`Packed ${packages.length} public packages in ${seconds(started)} s`);
    const results = await pMap(
      packages,
      async (pkg) => {
        const tarball = tarballs.get(pkg.manifest.name)!;
        const [lint, attw] = await Promise.all([publintProblems(tarball), attwProblems(tarball)]);
        return { pkg, own: manifestProblems(pkg), lint, attw };
      },
      { concurrency: 2 },
    );
    for (const { pkg, own, lint, attw } of results) {
      const problems = [...own.map((p) => `manifest: ${p}`), ...lint.errors.map((p) => `publint: ${p}`), ...attw];
      failed += problems.length > 0 ? 1 : 0;
      console.log(`${problems.length ? 'FAIL' : 'ok  '} ${pkg.manifest.name} (${pkg.dir})`);
      for (const p of problems) console.log(`     ${p.replaceAll('\n', '\n     ')}`);
      for (const n of lint.notes) console.log(`     publint suggestion: ${n}`);
    }
  } finally {
    await rm(dest, { recursive: true, force: true });
  }
  console.log(
    failed
      ? `${failed} of ${packages.length} packages have packaging problems (${seconds(started)} s)`
      : `All ${packages.length} packages pass the manifest rules, publint and attw --profile esm-only (${seconds(started)} s)`,
  );
  return failed ? 1 : 0;
}

process.exitCode = await main();
