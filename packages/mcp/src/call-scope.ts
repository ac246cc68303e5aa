import { AsyncLocalStorage } from 'node:async_hooks';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import type { RpcError } from './errors.js';

/** What the server answered a call, unchanged, for a gateway to hand back to its host. */
export type ServerAnswer = { result: Record<string, unknown> } | { error: RpcError };

/**
 * What a gateway knows about one `tools/call` beyond the tool and its arguments: the host's `_meta` (progress
 * token, related task) and task request, forwarded unchanged, the host's cancellation, and, once the handler has
 * run, the server's answer as it came. It travels with the call through the runner (an `AsyncLocalStorage`), so
 * the handler of a call that resumes after an approval uses the resuming request's progress token.
 */
export interface CallScope {
  /** The host request's `_meta`. */
  meta?: Record<string, unknown>;
  /** The host request's `task` (task-augmented execution). */
  task?: Record<string, unknown>;
  /** Aborted when the host cancels the request. */
  signal?: AbortSignal;
  /**
   * Relays the server's progress to the host under the host's token, for a gateway whose client assigns its own
   * tokens (the SDK's); a gateway that forwards the host's token unchanged leaves it out.
   */
  onprogress?: (progress: Progress) => void;
  /** Set by the handler: the server's answer. */
  answer?: ServerAnswer;
}

const storage = new AsyncLocalStorage<CallScope>();

/** Runs `fn` with `scope` as the current call's scope. */
export function inCallScope<T>(scope: CallScope, fn: () => Promise<T>): Promise<T> {
  return storage.run(scope, fn);
}

/** The scope of the call being handled, if a gateway opened one. */
export function currentCallScope(): CallScope | undefined {
  return storage.getStore();
}
