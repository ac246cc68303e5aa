/**
 * Where the adapter finds the tollgate approval a paused SDK call waits for. The Agents SDK gives a tool no place in
 * its run state to keep one, so the pointer lives on the server, keyed by tool and call id; it is only a pointer:
 * every resume is checked against the runner's approval store (digest of tool, call id, arguments and caller).
 */
export interface ApprovalIndex {
  /** The approval id stored for `key`, or `undefined`. */
  get(key: string): string | undefined | Promise<string | undefined>;
  /** Stores `approvalId` for `key` until `expiresAt` (ms since the epoch, the approval's own expiry). */
  set(key: string, approvalId: string, expiresAt: number): void | Promise<void>;
}

/** Options for {@link MemoryApprovalIndex}. */
export interface MemoryApprovalIndexOptions {
  /** Time source (ms since the epoch, default `Date.now`); entries past their expiry are dropped on access. */
  now?: () => number;
}

/**
 * An {@link ApprovalIndex} in this process's memory (the default). A run resumed in another process finds no
 * pointer: its calls go through the gates again and ask for a new approval, so nothing runs unapproved. For runs
 * that pause in one process and resume in another, implement the two methods over a shared store (a Redis hash).
 */
export class MemoryApprovalIndex implements ApprovalIndex {
  private readonly entries = new Map<string, { id: string; expiresAt: number }>();
  private readonly now: () => number;

  constructor(options: MemoryApprovalIndexOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  get(key: string): string | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    // Kept a while past expiry so a late resume reads `approval_expired`, not a fresh request.
    if (this.now() >= entry.expiresAt + 86_400_000) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.id;
  }

  set(key: string, approvalId: string, expiresAt: number): void {
    if (this.entries.size % 1024 === 1023) this.sweep();
    this.entries.set(key, { id: approvalId, expiresAt });
  }

  /** Number of pointers held. */
  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    const cutoff = this.now() - 86_400_000;
    for (const [key, entry] of this.entries) if (entry.expiresAt < cutoff) this.entries.delete(key);
  }
}

/** The index key of a call: tool and the model's call id. */
export function indexKey(tool: string, callId: string): string {
  return `${tool}\u0000${callId}`;
}
