import type { ApprovalRecord, GatedToolRunner } from '@tollgate/core';

/** A change the watcher saw in the store. */
export type ApprovalChange = { type: 'seen' | 'updated' | 'gone'; record: ApprovalRecord };

/**
 * Polls the runner's approval store (memory or Redis, so approvals made by any process show up) and reports
 * what changed since the last look: a new pending approval, one with more approvals, one that left the pending
 * list (decided, expired or consumed, read back from the store). `version` rises with every change, for the
 * page's live updates.
 */
export class ApprovalWatcher {
  version = 0;
  private known = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly listeners = new Set<(changes: ApprovalChange[]) => void>();
  lastError: string | undefined;

  constructor(
    private readonly runner: GatedToolRunner,
    private readonly pollMs: number,
    private readonly limit = 500,
  ) {}

  /** @returns a function that unsubscribes */
  subscribe(listener: (changes: ApprovalChange[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    const tick = () => {
      this.timer = setTimeout(async () => {
        await this.poll();
        if (this.timer) tick();
      }, this.pollMs);
      this.timer.unref();
    };
    void this.poll().then(tick);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Looks now (also after the console's own decisions, so the page need not wait for the next tick). */
  poll(): Promise<void> {
    this.running ??= this.look().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async look(): Promise<void> {
    let pending: ApprovalRecord[];
    try {
      pending = await this.runner.pendingApprovals(this.limit);
      this.lastError = undefined;
    } catch (err) {
      this.lastError = (err as Error).message;
      return;
    }
    const changes: ApprovalChange[] = [];
    const next = new Map<string, number>();
    for (const record of pending) {
      const votes = record.approvals?.length ?? 0;
      next.set(record.id, votes);
      const before = this.known.get(record.id);
      if (before === undefined) changes.push({ type: 'seen', record });
      else if (before !== votes) changes.push({ type: 'updated', record });
    }
    for (const id of this.known.keys()) {
      if (next.has(id)) continue;
      const record = await this.runner.getApproval(id).catch(() => undefined);
      if (record) changes.push({ type: 'gone', record });
    }
    this.known = next;
    if (changes.length === 0) return;
    this.version++;
    for (const listener of this.listeners) {
      try {
        listener(changes);
      } catch {
        // A listener's failure is its own.
      }
    }
  }
}
