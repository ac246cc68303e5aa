import type { GateVerdict } from '@tollgate/core';
import { OpaReason } from './reasons.js';

/** The object form of a decision the gate reads (every field optional; see docs/policy-engines.md). */
export interface OpaDecision {
  /** `true` allows, `false` blocks (unless `effect` says otherwise). */
  allow?: boolean;
  /** Wins over every other field: `allow`, `block` (or `deny`), `require_approval`. */
  effect?: 'allow' | 'block' | 'deny' | 'require_approval';
  /** Deny reasons (kitelogik's `deny`): a non-empty list blocks, and becomes the message. */
  deny?: string[];
  /** Ask a human (kitelogik's `requires_hitl`; `requires_approval` is the same). */
  requires_approval?: boolean;
  requires_hitl?: boolean;
  /** A snake_case reason code for the decision (default `opa_denied`, `opa_approval_required`, `ok`). */
  reason?: string;
  /** For the model. */
  message?: string;
}

type Effect = 'allow' | 'block' | 'require_approval';
const REASON = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * Maps OPA's `result` to a verdict: a boolean, or an {@link OpaDecision}. `undefined` (the document is not defined)
 * blocks with `opa_undefined`; anything else blocks with `opa_bad_result`. Never throws.
 */
export function verdictOf(result: unknown, path: string): GateVerdict {
  if (result === undefined) {
    return block(
      OpaReason.undefinedDecision,
      `The policy at ${path} gave no decision for this call, so it was blocked. Do not retry; tell the user.`,
    );
  }
  if (result === true) return { outcome: 'allow', reason: OpaReason.ok };
  if (result === false)
    return block(OpaReason.denied, 'The policy does not allow this call. Do not retry; tell the user.');
  if (typeof result !== 'object' || result === null || Array.isArray(result))
    return badResult(path, 'is not a boolean or an object');
  const d = result as Record<string, unknown>;
  const problem = shapeProblem(d);
  if (problem) return badResult(path, problem);
  const deny = (d.deny as string[] | undefined) ?? [];
  let effect: Effect | undefined;
  if (d.effect !== undefined) effect = d.effect === 'deny' ? 'block' : (d.effect as Effect);
  else if (d.allow === false || deny.length > 0) effect = 'block';
  else if (d.requires_approval === true || d.requires_hitl === true) effect = 'require_approval';
  else if (d.allow === true) effect = 'allow';
  if (!effect) return badResult(path, 'says neither allow, effect, deny nor requires_approval');
  const reason = typeof d.reason === 'string' ? d.reason : defaultReason(effect);
  const message =
    typeof d.message === 'string' ? d.message : deny.length > 0 ? deny.join('; ') : defaultMessage(effect);
  return { outcome: effect, reason, message };
}

function shapeProblem(d: Record<string, unknown>): string | undefined {
  if (d.allow !== undefined && typeof d.allow !== 'boolean') return '`allow` is not a boolean';
  if (d.effect !== undefined && !['allow', 'block', 'deny', 'require_approval'].includes(d.effect as string)) {
    return '`effect` is not allow, block, deny or require_approval';
  }
  if (d.deny !== undefined && !(Array.isArray(d.deny) && d.deny.every((r) => typeof r === 'string'))) {
    return '`deny` is not a list of strings';
  }
  for (const key of ['requires_approval', 'requires_hitl']) {
    if (d[key] !== undefined && typeof d[key] !== 'boolean') return `\`${key}\` is not a boolean`;
  }
  if (d.reason !== undefined && !(typeof d.reason === 'string' && REASON.test(d.reason))) {
    return '`reason` is not a snake_case code';
  }
  if (d.message !== undefined && typeof d.message !== 'string') return '`message` is not a string';
  return undefined;
}

function defaultReason(effect: Effect): string {
  if (effect === 'allow') return OpaReason.ok;
  return effect === 'block' ? OpaReason.denied : OpaReason.approvalRequired;
}

function defaultMessage(effect: Effect): string | undefined {
  if (effect === 'block') return 'The policy does not allow this call. Do not retry; tell the user.';
  if (effect === 'require_approval') return 'The policy requires a human to approve this call.';
  return undefined;
}

function block(reason: string, message: string): GateVerdict {
  return { outcome: 'block', reason, message };
}

function badResult(path: string, problem: string): GateVerdict {
  return block(
    OpaReason.badResult,
    `The policy at ${path} answered with a decision tollgate cannot read (${problem}), so the call was blocked. Retrying will not help; tell the user.`,
  );
}
