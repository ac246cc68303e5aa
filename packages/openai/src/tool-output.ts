import type { ToolDenial } from '@tollgate/core';

// The wording is core's, shared by every adapter; this package re-exports it for its users.
export { modelOutput, type ToolOutputOptions, toolOutputContent } from '@tollgate/core';

/** A denial worded by the adapter itself (a run state that does not match its approval). */
export function adapterDenial(reason: string, message: string): string {
  return JSON.stringify({ status: 'blocked', reason, message } satisfies ToolDenial);
}
