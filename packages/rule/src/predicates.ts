import type { ApprovalQuorum, GateContext } from '@tollgate/core';
import { errorName, errorText, quorumProblem } from '@tollgate/core';
import { RuleIssue } from './issue.js';
import { RULE_EFFECTS, type Rule, type RuleCall, type RuleEffect } from './types.js';

/** What evaluating one rule gave: the effect it applies, nothing, or a violation (which blocks). */
export type RuleOutcome = { effect: RuleEffect } | { effect: null } | { effect: 'block'; error: string };

/**
 * Evaluates one rule under the strict boolean contract: only exactly `true` or `false` counts. A throw, a
 * Promise (any thenable) or any other value is reported as an `error`, which the gate turns into a block.
 */
export function evaluateRule(rule: Rule, ctx: GateContext, call: RuleCall): RuleOutcome {
  const isWhen = 'when' in rule;
  let value: unknown;
  try {
    value = isWhen ? rule.when(ctx, call) : rule.require(ctx, call);
  } catch (err) {
    return { effect: 'block', error: `threw ${describeError(err)}` };
  }
  if (value === true) return isWhen ? { effect: rule.effect } : { effect: null };
  if (value === false) return isWhen ? { effect: null } : { effect: 'block' };
  return { effect: 'block', error: describeViolation(value) };
}

function describeViolation(value: unknown): string {
  let thenable: boolean;
  try {
    thenable = isThenable(value);
  } catch {
    // A hostile object (a throwing `then` getter): a violation all the same.
    return 'returned a value that is not true or false';
  }
  if (!thenable) return `returned ${describeValue(value)} instead of true or false`;
  try {
    // Nobody awaits it, so a later rejection must not become an unhandled rejection that kills the process.
    (value as PromiseLike<unknown>).then(undefined, () => {});
  } catch {
    // A thenable that misbehaves when subscribed to is still a violation.
  }
  return 'returned a Promise; predicates must be synchronous and return true or false';
}

/**
 * Checks a rule's shape when a gate is built (or a tool's options are first used), so a malformed rule is
 * refused before it can decide anything.
 * @param at JSON Pointer of the rule in its list, for the error
 * @throws RuleIssue naming the offending field
 */
export function assertRule(rule: unknown, at: string): asserts rule is Rule {
  if (typeof rule !== 'object' || rule === null) throw new RuleIssue(at, 'a rule must be an object');
  const r = rule as Record<string, unknown>;
  if (typeof r.id !== 'string' || r.id === '') throw new RuleIssue(`${at}/id`, 'must be a non-empty string');
  if (typeof r.reason !== 'string' || !/^[a-z][a-z0-9_]*$/.test(r.reason)) {
    throw new RuleIssue(`${at}/reason`, 'must be a snake_case reason code');
  }
  if (typeof r.message !== 'string' || r.message === '') {
    throw new RuleIssue(`${at}/message`, 'must be a non-empty string');
  }
  const hasWhen = typeof r.when === 'function';
  const hasRequire = typeof r.require === 'function';
  if (hasWhen === hasRequire) {
    throw new RuleIssue(at, 'a rule needs exactly one of `when` (with an effect) or `require`, as a function');
  }
  if (hasWhen && !RULE_EFFECTS.includes(r.effect as RuleEffect)) {
    throw new RuleIssue(`${at}/effect`, `must be one of ${RULE_EFFECTS.join(', ')}`);
  }
  if (hasRequire && 'effect' in r) {
    throw new RuleIssue(`${at}/effect`, 'a `require` rule always blocks when it fails; it takes no effect');
  }
  if (r.quorum !== undefined) assertQuorum(r.quorum, r.effect, `${at}/quorum`);
  if (r.shadow !== undefined && typeof r.shadow !== 'boolean') throw new RuleIssue(`${at}/shadow`, 'must be a boolean');
}

/**
 * Checks a rule's `quorum`: only a `require_approval` rule takes one, and it must be one core can store.
 * @throws RuleIssue at `at`
 */
export function assertQuorum(quorum: unknown, effect: unknown, at: string): asserts quorum is ApprovalQuorum {
  if (effect !== 'require_approval') throw new RuleIssue(at, 'only a require_approval rule takes a quorum');
  const problem = quorumProblem(quorum);
  if (problem) throw new RuleIssue(at, problem);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function describeValue(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return `the ${typeof value} ${String(value)}`;
  }
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** `TypeError: …` for an Error, the value's text for anything else (core's helpers, which never throw). */
function describeError(err: unknown): string {
  return err instanceof Error ? `${errorName(err)}: ${errorText(err)}` : errorText(err);
}
