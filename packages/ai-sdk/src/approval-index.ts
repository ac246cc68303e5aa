import type { Clock } from '@tollgate/core';

/**
 * Where the adapter remembers which tollgate approval a tool call waits for. The AI SDK names its approval requests
 * with ids of its own, so the resumed call is found by tool and call id. The index carries no authority: whatever it
 * returns, the runner's store checks that the approval exists, was issued for this call, caller and history, is
 * decided, unexpired and unused. Give a shared one (over Redis, a database) when a resume may reach another process.
 */
export interface ApprovalIndex {
  /** The approval id stored for this key, if any. */
  get(key: string): string | undefined | Promise<string | undefined>;
  /** Stores the approval id for this key until `keepUntil` (ms since the epoch; an hour past the approval's expiry). */
  set(key: string, approvalId: string, keepUntil: number): void | Promise<void>;
}

/** The index key of a tool call: its tool name and call id. */
export function indexKey(tool: string, callId: string): string {
  return `${tool}\u0000${callId}`;
}

/** An {@link ApprovalIndex} in this process's memory; entries are dropped after their `keepUntil`. */
export class MemoryApprovalIndex implements ApprovalIndex {
  private readonly entries = new Map<string, { approvalId: string; keepUntil: number }>();

  constructor(private readonly clock: Clock = { now: Date.now }) {}

  get(key: string): string | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.keepUntil <= this.clock.now()) this.entries.delete(key);
    return this.entries.get(key)?.approvalId;
  }

  set(key: string, approvalId: string, keepUntil: number): void {
    const now = this.clock.now();
    // Sweep on write, oldest first: with one TTL, insertion order is expiry order, so this stops at the first live one.
    for (const [k, e] of this.entries) {
      if (e.keepUntil > now) break;
      this.entries.delete(k);
    }
    this.entries.set(key, { approvalId, keepUntil });
  }
}
