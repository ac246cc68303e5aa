import { AsyncLocalStorage } from 'node:async_hooks';
import type { ToolCallHandler, ToolCallRequest } from 'langchain';

/** The LangChain tool call a runner handler is executing under, so the tool runs the way LangChain would run it. */
interface ActiveCall {
  callId: string;
  request: ToolCallRequest;
  handler: ToolCallHandler;
}

const active = new AsyncLocalStorage<ActiveCall>();

/** Runs `work` (a `runner.call`) with the tool node's own handler at hand for the tool call `callId`. */
export function withToolNode<T>(call: ActiveCall, work: () => Promise<T>): Promise<T> {
  return active.run(call, work);
}

/** The tool node's handler for `callId`, when the runner executes inside the middleware's `wrapToolCall`. */
export function toolNodeFor(callId: string): ActiveCall | undefined {
  const call = active.getStore();
  return call?.callId === callId ? call : undefined;
}
