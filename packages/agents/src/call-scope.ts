import { AsyncLocalStorage } from 'node:async_hooks';
import type { RunContext } from '@openai/agents';

/** What the SDK handed the gated tool for the call in flight, for the handler and for guardrail gates. */
export interface CallScope {
  /** The SDK run context of the call. */
  // biome-ignore lint/suspicious/noExplicitAny: the application's context type is its own.
  runContext: RunContext<any>;
  /** The SDK's call details (the function call item, the abort signal). */
  details?: unknown;
}

const scope = new AsyncLocalStorage<CallScope>();

/** Runs `fn` with `value` as the call scope. */
export function inCallScope<T>(value: CallScope, fn: () => T): T {
  return scope.run(value, fn);
}

/** The scope of the gated call in flight, `undefined` outside one (a direct `runner.call()`). */
export function currentCallScope(): CallScope | undefined {
  return scope.getStore();
}
