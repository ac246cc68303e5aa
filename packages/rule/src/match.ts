import type { GateContext } from '@tollgate/core';
import { compileGlob } from './glob.js';
import { RuleIssue } from './issue.js';
import type { MatchJson, NameSetMatchJson } from './schema.js';
import type { RuleCall } from './types.js';

/** A compiled `match` block: true when the rule applies to this call. */
export type CompiledMatch = (ctx: GateContext, call: RuleCall) => boolean;

/**
 * Compiles a schema-valid `match` block; globs are compiled here, so a bad one is a load-time
 * {@link RuleIssue} at `at`. Every field given must match; an absent field matches every call.
 */
export function compileMatch(match: MatchJson | undefined, at: string): CompiledMatch {
  if (!match) return () => true;
  const tests: CompiledMatch[] = [];
  if (match.tool !== undefined) {
    const tool = compileGlobs(match.tool, `${at}/tool`);
    tests.push((ctx) => tool(ctx.tool));
  }
  if (match.action !== undefined) {
    const action = compileGlobs(match.action, `${at}/action`);
    tests.push((_ctx, call) => action(call.action));
  }
  if (match.actor !== undefined) {
    const actor = compileGlobs(match.actor, `${at}/actor`);
    tests.push((ctx) => actor(ctx.actor));
  }
  if (match.tenant !== undefined) {
    const tenant = compileGlobs(match.tenant, `${at}/tenant`);
    tests.push((ctx) => tenant(ctx.tenant));
  }
  if (match.roles) {
    const roles = compileNameSet(match.roles);
    tests.push((ctx) => roles(ctx.roles));
  }
  if (match.scopes) {
    const scopes = compileNameSet(match.scopes);
    tests.push((ctx) => scopes(ctx.scopes));
  }
  return (ctx, call) => tests.every((t) => t(ctx, call));
}

function compileGlobs(globs: string | readonly string[], at: string): (name: string | undefined) => boolean {
  const list = typeof globs === 'string' ? [globs] : globs;
  const compiled = list.map((glob, i) => {
    try {
      return compileGlob(glob);
    } catch (err) {
      throw new RuleIssue(typeof globs === 'string' ? at : `${at}/${i}`, (err as Error).message);
    }
  });
  return (name) => typeof name === 'string' && compiled.some((g) => g.test(name));
}

function compileNameSet(set: NameSetMatchJson): (held: readonly string[]) => boolean {
  return (held) => {
    const has = (name: string) => held.includes(name);
    if (set.any && !set.any.some(has)) return false;
    if (set.all && !set.all.every(has)) return false;
    return !set.none?.some(has);
  };
}
