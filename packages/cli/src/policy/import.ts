import { readFileSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { HookData, PolicyImport } from './hooks.js';

let port: MessagePort | null | undefined;

/**
 * Registers ./hooks.ts once per process: the compiled .js in dist, the .ts itself when the CLI runs from source
 * through tsx. Null when the CLI runs from source in a host that compiles TypeScript itself but not on Node's
 * loader thread (vitest): that host loads policies, and Node cannot load the hooks.
 */
function hooksPort(): MessagePort | null {
  if (port === undefined) {
    const extension = extname(fileURLToPath(import.meta.url));
    const channel = new MessageChannel();
    const data: HookData = { port: channel.port2 };
    try {
      register(new URL(`./hooks${extension}`, import.meta.url), { data, transferList: [channel.port2] });
      channel.port1.unref();
      port = channel.port1;
    } catch (err) {
      if (extension !== '.ts' || (err as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw err;
      channel.port1.close();
      port = null;
    }
  }
  return port;
}

/**
 * Imports a policy module as an ES module wherever it lives: `.ts`/`.mts`/`.tsx` (compiled with esbuild, no
 * loader to install), `.js`/`.mjs`, inside an ESM or a CommonJS package. A package it imports resolves from
 * the policy's own folder first, then from `cwd` (the user's project), then from this CLI's install; failing all
 * three, the error names the package to install. Plain Node loads what it can load alone (a `.mjs`, or a `.js`
 * in an ESM package, whose packages resolve from its folder): module hooks slow every later import down.
 */
export async function importPolicyModule(file: string, cwd: string): Promise<Record<string, unknown>> {
  const entry = pathToFileURL(file).href;
  if (!needsHooks(file)) {
    try {
      return await import(entry);
    } catch (err) {
      if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    }
    // Some package it imports is not where Node looks from the policy's folder. A fresh URL, since the failed
    // import stays in the module cache (nothing of it ran: imports resolve before any module evaluates).
    return importWithHooks(`${entry}?tollgate-resolve`, cwd);
  }
  return importWithHooks(entry, cwd);
}

async function importWithHooks(entry: string, cwd: string): Promise<Record<string, unknown>> {
  const next: PolicyImport = { entry, fallbacks: [pathToFileURL(join(cwd, 'package.json')).href, import.meta.url] };
  const hooks = hooksPort();
  if (!hooks) return import(entry);
  // Wait until the loader thread holds this import's facts; the port is ref'd only while waiting.
  hooks.ref();
  await new Promise<void>((ready) => {
    hooks.once('message', () => ready());
    hooks.postMessage(next);
  });
  hooks.unref();
  return import(entry);
}

/** TypeScript, and a `.js` file that Node would read as CommonJS, need the hooks; `.mjs` and ESM `.js` do not. */
function needsHooks(file: string): boolean {
  const extension = extname(file);
  if (extension !== '.js') return extension !== '.mjs' && extension !== '.cjs';
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const type = packageType(join(dir, 'package.json'));
    if (type !== undefined) return type !== 'module';
    if (dirname(dir) === dir) return true;
  }
}

/** The `type` of a package.json (`'commonjs'` when it has none), or undefined when there is no such file. */
function packageType(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const type = (JSON.parse(text) as { type?: unknown }).type;
    return typeof type === 'string' ? type : 'commonjs';
  } catch {
    return 'commonjs';
  }
}
