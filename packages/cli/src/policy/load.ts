import { stat } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { CliError, errorText } from '../io.js';
import { normalizeTools, type ToolSchema } from '../tools/normalize.js';
import type { TraceEpisode } from '../trace/format.js';
import { policyProblems } from './check.js';
import {
  type PolicyGates,
  type PolicyRouter,
  type PolicyScope,
  type ReplayPolicy,
  splitPolicyGates,
} from './define.js';
import { importPolicyModule } from './import.js';

/** A policy after loading: tools normalized, defaults filled in. */
export interface ResolvedPolicy extends Omit<ReplayPolicy, 'tools' | 'name' | 'scope'> {
  /** The policy's name, or its module's file name. */
  name: string;
  /** Its tools in one shape. */
  tools: ToolSchema[];
  /** Its scope (default `'replay'` filled in). */
  scope: PolicyScope;
}

/** A loaded policy module: its policies by key and how an episode picks one. */
export interface LoadedPolicies {
  /** The module's resolved path. */
  file: string;
  /** The policies by key (`default` for a module exporting one policy). */
  policies: Map<string, ResolvedPolicy>;
  /** The key of an episode's policy. */
  route: (episode: TraceEpisode) => string | undefined;
  /**
   * What in the policies can never apply (see {@link policyProblems}): a rule naming a tool no policy registers,
   * an argument path no schema has, options for an unknown tool. Reported, not refused.
   */
  warnings: string[];
}

/**
 * Imports a policy module and checks its default export (or `policy` export): a {@link ReplayPolicy}
 * or a {@link PolicyRouter}. The module loads as ESM from anywhere (see {@link importPolicyModule}): `.ts`,
 * `.mts`, `.js` or `.mjs`, in an ESM or a CommonJS package. Throws {@link CliError} naming the file and what is
 * missing or wrong.
 */
export async function loadPolicy(path: string, cwd: string): Promise<LoadedPolicies> {
  const file = resolve(cwd, path);
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw new CliError(`Policy module not found: ${file}`);
  let mod: Record<string, unknown>;
  try {
    mod = await importPolicyModule(file, cwd);
  } catch (err) {
    throw new CliError(`Policy module ${file} failed to load: ${errorText(err)}`);
  }
  const exported = mod.default ?? mod.policy;
  const problem = (what: string) => new CliError(`Policy module ${file}: ${what}`);
  if (typeof exported !== 'object' || exported === null) {
    throw problem('has no default export (or `policy` export); export definePolicy({ tools, gates }) from it');
  }
  const fallbackName = basename(file, extname(file));
  if ('policies' in exported || 'route' in exported) {
    const router = exported as Partial<PolicyRouter>;
    if (typeof router.route !== 'function') throw problem('the policy router has no `route(episode)` function');
    if (typeof router.policies !== 'object' || router.policies === null) {
      throw problem('the policy router has no `policies` object');
    }
    const policies = new Map<string, ResolvedPolicy>();
    for (const [key, policy] of Object.entries(router.policies)) {
      policies.set(
        key,
        resolvePolicy(policy, key, (what) => problem(`policies.${key}: ${what}`)),
      );
    }
    return { file, policies, route: router.route, warnings: await checkPolicies(file, policies) };
  }
  const single = resolvePolicy(exported, fallbackName, problem);
  const policies = new Map([['default', single]]);
  return { file, policies, route: () => 'default', warnings: await checkPolicies(file, policies) };
}

/**
 * Makes each policy's gates once, at load, to check them against its tools; the gates made are the ones its first
 * runner gets, so `gates()` is called as often as the policy's scope says.
 */
async function checkPolicies(file: string, policies: Map<string, ResolvedPolicy>): Promise<string[]> {
  const warnings: string[] = [];
  for (const [key, policy] of policies) {
    const make = policy.gates;
    let first: PolicyGates | undefined;
    try {
      first = await make();
      const made = splitPolicyGates(first);
      const label = policies.size > 1 ? `policy "${key}": ` : '';
      for (const p of policyProblems(policy.tools, policy.toolOptions, made)) warnings.push(`${label}${p}`);
    } catch (err) {
      throw new CliError(`Policy "${policy.name}" (${file}): ${errorText(err)}`);
    }
    policy.gates = () => {
      const made = first;
      first = undefined;
      return made ?? make();
    };
  }
  return warnings;
}

function resolvePolicy(value: unknown, fallbackName: string, problem: (what: string) => CliError): ResolvedPolicy {
  if (typeof value !== 'object' || value === null) throw problem('the policy must be an object');
  const policy = value as Partial<ReplayPolicy>;
  if (policy.tools === undefined) throw problem('is missing `tools` (the tools’ JSON Schemas)');
  if (typeof policy.gates !== 'function') throw problem('is missing `gates` (a function returning the gates)');
  for (const hook of ['context', 'report'] as const) {
    if (policy[hook] !== undefined && typeof policy[hook] !== 'function')
      throw problem(`\`${hook}\` must be a function`);
  }
  if (policy.scope !== undefined && policy.scope !== 'episode' && policy.scope !== 'replay') {
    throw problem("`scope` must be 'episode' or 'replay'");
  }
  let tools: ToolSchema[];
  try {
    tools = normalizeTools(policy.tools);
  } catch (err) {
    throw problem(`\`tools\`: ${errorText(err)}`);
  }
  return { ...policy, gates: policy.gates, name: policy.name ?? fallbackName, tools, scope: policy.scope ?? 'replay' };
}
