import type { Gate } from '@tollgate/core';

/** Options for {@link blockWhen}. */
export interface BlockWhenOptions {
  /** The gate's name (default `policy`). */
  name?: string;
  /** The block's reason code (default `policy_denied`). */
  reason?: string;
  /** The block's message (default `Blocked by policy.`). */
  message?: string;
}

/**
 * A rule-stage gate that blocks calls whose argument `arg` is `true`: "a later gate blocks", for tests of what
 * earlier stages release.
 */
export function blockWhen(arg: string, options: BlockWhenOptions = {}): Gate {
  const { name = 'policy', reason = 'policy_denied', message = 'Blocked by policy.' } = options;
  return {
    name,
    stage: 'rule',
    check: (ctx) =>
      ctx.args[arg] === true ? { outcome: 'block', reason, message } : { outcome: 'allow', reason: 'ok' },
  };
}

/** The adapters' test bank: `send_money` over 100 needs a human; below that it runs. */
export const approvalGate: Gate = {
  name: 'approvals',
  stage: 'decision',
  check: (ctx) =>
    ctx.tool === 'send_money' && Number(ctx.args.amount) > 100
      ? { outcome: 'require_approval', reason: 'approval_required', message: 'Sends over 100 need a human.' }
      : { outcome: 'allow', reason: 'ok' },
};

/** The adapters' test bank: `delete_account` is never allowed; the decision carries data the model must not see by default. */
export const policyGate: Gate = {
  name: 'policy',
  stage: 'rule',
  check: (ctx) =>
    ctx.tool === 'delete_account'
      ? {
          outcome: 'block',
          reason: 'policy_denied',
          message: 'Deleting accounts is not allowed.',
          retryAfterMs: 60_000,
          data: { risk: 0.97 },
        }
      : { outcome: 'allow', reason: 'ok' },
};
