// Node module hooks for loading a user's policy (registered by ./import.ts; they run on Node's loader thread).
// A policy is an ES module wherever it lives: its own TypeScript is compiled as ESM even inside a CommonJS
// package, a `.js` policy file is read as ESM, and a package its files import that cannot be found from where
// they are is looked for in the user's project and in the CLI's own install before the import fails.
import { readFile } from 'node:fs/promises';
import type { MessagePort } from 'node:worker_threads';
import { transform } from 'esbuild';

/** What ./import.ts sends before each import: where else bare imports may resolve from, and the policy file itself. */
export interface PolicyImport {
  /** `file:` URLs to resolve a bare specifier from when the importing file's own location fails, in order. */
  fallbacks: string[];
  /** The policy module's URL: read as ESM even as a `.js` file in a CommonJS package. */
  entry: string;
}

/** The `data` of `module.register`: a port on which each {@link PolicyImport} arrives (and is acknowledged). */
export interface HookData {
  port: MessagePort;
}

interface ResolveContext {
  parentURL?: string;
  conditions: string[];
  importAttributes: Record<string, string>;
}
interface Resolved {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}
type NextResolve = (specifier: string, context?: ResolveContext) => Promise<Resolved>;
interface LoadContext {
  format?: string | null;
  conditions: string[];
  importAttributes: Record<string, string>;
}
interface Loaded {
  format: string;
  source?: string | ArrayBuffer | Uint8Array | null;
  shortCircuit?: boolean;
}
type NextLoad = (url: string, context?: LoadContext) => Promise<Loaded>;

const TYPESCRIPT = /\.(?:ts|mts|tsx)$/;

let current: PolicyImport = { fallbacks: [], entry: '' };

export function initialize(data: HookData): void {
  data.port.on('message', (message: PolicyImport) => {
    current = message;
    data.port.postMessage('ready');
  });
  data.port.unref();
}

export async function resolve(specifier: string, context: ResolveContext, next: NextResolve): Promise<Resolved> {
  const parent = context.parentURL;
  try {
    return asModule(await next(specifier, context));
  } catch (err) {
    // Only the user's own files get help; a package that cannot resolve its dependencies is broken as installed.
    if (!parent?.startsWith('file:') || parent.includes('/node_modules/')) throw err;
    if (isRelative(specifier)) {
      if (!TYPESCRIPT.test(new URL(parent).pathname)) throw err;
      // TypeScript writes `./tools.js` for tools.ts (NodeNext) or leaves the extension out (bundler style).
      for (const candidate of typeScriptCandidates(specifier)) {
        const found = await next(candidate, context).catch(() => undefined);
        if (found) return asModule(found);
      }
      throw err;
    }
    if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND' || specifier.includes(':')) throw err;
    for (const parentURL of current.fallbacks) {
      const found = await next(specifier, { ...context, parentURL }).catch(() => undefined);
      if (found) return asModule(found);
    }
    const name = packageName(specifier);
    throw new Error(
      `Cannot find package '${name}' imported from ${new URL(parent).pathname}, nor from the current directory ` +
        `or @tollgate/cli's own install; install it in your project: npm install ${name}`,
    );
  }
}

export async function load(url: string, context: LoadContext, next: NextLoad): Promise<Loaded> {
  if (context.format !== 'module' || !url.startsWith('file:') || !TYPESCRIPT.test(new URL(url).pathname)) {
    return next(url, context);
  }
  const file = decodeURIComponent(new URL(url).pathname);
  try {
    const { code } = await transform(await readFile(file, 'utf8'), {
      loader: file.endsWith('x') ? 'tsx' : 'ts',
      format: 'esm',
      target: 'node20',
      sourcefile: file,
      sourcemap: 'inline',
    });
    return { format: 'module', source: code, shortCircuit: true };
  } catch (err) {
    const first = (err as { errors?: { text: string; location?: { line: number; column: number } | null }[] })
      .errors?.[0];
    if (!first) throw err;
    const where = first.location ? `:${first.location.line}:${first.location.column + 1}` : '';
    throw new Error(`${file}${where}: ${first.text}`);
  }
}

/** A policy's own TypeScript, and the policy file itself, are ES modules whatever the nearest package.json says. */
function asModule(resolved: Resolved): Resolved {
  const { url } = resolved;
  if (!url.startsWith('file:') || url.includes('/node_modules/')) return resolved;
  if (TYPESCRIPT.test(new URL(url).pathname) || (url === current.entry && new URL(url).pathname.endsWith('.js'))) {
    return { ...resolved, format: 'module' };
  }
  return resolved;
}

function isRelative(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../') || specifier.startsWith('/');
}

function typeScriptCandidates(specifier: string): string[] {
  if (/\.m?js$/.test(specifier)) return [specifier.replace(/\.js$/, '.ts').replace(/\.mjs$/, '.mts')];
  if (/\.[a-z]+$/i.test(specifier)) return [];
  return [`${specifier}.ts`, `${specifier}.tsx`, `${specifier}/index.ts`];
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}
