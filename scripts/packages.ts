// What the packaging checks share: which packages are public, and packing them as a user would receive them.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '..');

/** The fields of a package.json the checks read. */
export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  [field: string]: unknown;
}

/** A public package of the workspace. */
export interface PublicPackage {
  /** Its folder, relative to the root (`packages/rate`). */
  dir: string;
  manifest: Manifest;
}

export const run = promisify(execFile);

/** Every package under packages/ that is not `private`: what a user can install. New packages are picked up as they land. */
export function publicPackages(): PublicPackage[] {
  return readdirSync(join(ROOT, 'packages'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(ROOT, 'packages', entry.name, 'package.json')))
    .map((entry) => {
      const dir = `packages/${entry.name}`;
      return { dir, manifest: JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as Manifest };
    })
    .filter((pkg) => pkg.manifest.private !== true)
    .sort((a, b) => a.dir.localeCompare(b.dir));
}

/**
 * Builds the workspace once, then packs every public package with pnpm (its `prepack` and `publishConfig`
 * apply, `workspace:*` becomes the version) into `dest`. Returns the tarball of each package, by name.
 */
export async function packAll(packages: readonly PublicPackage[], dest: string): Promise<Map<string, string>> {
  await mkdir(dest, { recursive: true });
  await run('pnpm', ['exec', 'tsc', '-b'], { cwd: ROOT });
  for (const pkg of packages) {
    await run('pnpm', ['pack', '--pack-destination', dest], { cwd: join(ROOT, pkg.dir) });
  }
  const files = await readdir(dest);
  const tarballs = new Map<string, string>();
  for (const pkg of packages) {
    const file = `${pkg.manifest.name.replace(/^@/, '').replace('/', '-')}-${pkg.manifest.version}.tgz`;
    if (!files.includes(file)) throw new Error(`pnpm pack wrote no ${file} for ${pkg.dir}`);
    tarballs.set(pkg.manifest.name, join(dest, file));
  }
  return tarballs;
}

/** Seconds since `start` (a `performance.now()`), one decimal. */
export function seconds(start: number): string {
  return ((performance.now() - start) / 1000).toFixed(1);
}
