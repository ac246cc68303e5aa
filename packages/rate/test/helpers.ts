import { type Gate, GatedToolRunner, type RunnerOptions, type ToolDefinition } from '@tollgate/core';
import { blockWhen } from '@tollgate/test-utils';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { LimiterSpec, RateStore } from '../src/index.js';

/** A rule-stage gate that blocks calls whose args say `deny: true`: "a later gate blocks". */
export const denyRule = blockWhen('deny', {
  name: 'deny',
  reason: 'denied_by_rule',
  message: 'A rule denies this call.',
});

/** Counts executions; fails when args say `fail: true`. */
export function countingTool(name = 'send_money', extra: Partial<ToolDefinition> = {}) {
  const calls = { executed: 0 };
  const tool: ToolDefinition = {
    name,
    parameters: {
      type: 'object',
      properties: { deny: { type: 'boolean' }, fail: { type: 'boolean' }, n: { type: 'integer' } },
      additionalProperties: false,
    },
    handler: async (args: { fail?: boolean }) => {
      calls.executed++;
      if (args.fail) throw new Error('bank is down');
      return 'ok';
    },
    ...extra,
  };
  return { tool, calls };
}

/** A runner with the deny rule, the given gates and tools. */
export function runnerWith(gates: Gate[], tools: ToolDefinition[], options: RunnerOptions = {}) {
  return new GatedToolRunner({ gates: [...gates, denyRule], tools, ...options });
}

/** Wraps a store and remembers its limiters by namespace, so tests can read counters. */
export class SpyStore implements RateStore {
  readonly limiters = new Map<string, RateLimiterAbstract>();
  constructor(private readonly inner: RateStore) {}
  get kind() {
    return this.inner.kind;
  }
  limiter(spec: LimiterSpec) {
    const l = this.inner.limiter(spec);
    this.limiters.set(spec.namespace, l);
    return l;
  }
  insurance(spec: LimiterSpec) {
    return this.inner.insurance?.(spec);
  }
  /** Points counted now for one namespace and key (0 when the window is gone). */
  async consumed(namespace: string, key = '*'): Promise<number> {
    const res = await this.limiters.get(namespace)?.get(key);
    return res?.consumedPoints ?? 0;
  }
}
