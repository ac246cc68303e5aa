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
