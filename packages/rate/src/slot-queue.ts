import { performance } from 'node:perf_hooks';
import Bottleneck from 'bottleneck';

/** A held throttle slot. `free` is idempotent: commit and release both call it. */
export interface Slot {
  /** Ends the job; resolves once Bottleneck counts the slot free, so the next call can have it at once. */
  free(): Promise<void>;
}

interface Waiter {
  resolve(slot: Slot | undefined): void;
  timer: NodeJS.Timeout | undefined;
  /** Its `maxWaitMs` passed. */
  expired: boolean;
  /** A start attempt is in flight for it; expiry waits for the attempt's answer. */
  attempting: boolean;
}

/**
 * One key's throttle: a local Bottleneck limiter that starts a job only when it can start at once
 * (`highWater: 0` + `OVERFLOW` drops anything else), and our own FIFO of waiting calls in front of it.
 *
 * Why the waiters are ours and not Bottleneck's queue: Bottleneck has no public way to cancel a queued
 * job, and a job it registers takes a concurrency slot and advances the `minTime` spacing even if its
 * caller gave up. Here a waiter whose `maxWaitMs` passes simply leaves the list, so it never occupies a
 * slot or the spacing later. Bottleneck still owns the `maxConcurrent` / `minTime` accounting.
 */
export class SlotQueue {
  private readonly limiter: Bottleneck;
  private readonly waiters: Waiter[] = [];
  private running = 0;
  /** Earliest next start (performance.now() ms), from `minTime`; only used to time retries. */
  private nextStartAt = 0;
  private pumping = false;
  private again = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly maxConcurrent: number | undefined,
    private readonly minTimeMs: number,
    private readonly onIdle: () => void,
  ) {
    this.limiter = new Bottleneck({
      maxConcurrent: maxConcurrent ?? null,
      minTime: minTimeMs,
      highWater: 0,
      strategy: Bottleneck.strategy.OVERFLOW,
    });
  }

  /** Calls waiting for a slot. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Whether a call could start right now without waiting (Bottleneck `check()`); holds nothing. */
  async wouldStartNow(): Promise<boolean> {
    return this.waiters.length === 0 && (await this.limiter.check());
  }

  /** Waits up to `maxWaitMs` for a slot, in arrival order. Resolves `undefined` on timeout; never rejects. */
  acquire(maxWaitMs: number): Promise<Slot | undefined> {
    return new Promise((resolve) => {
      const waiter: Waiter = { resolve, timer: undefined, expired: false, attempting: false };
      waiter.timer = setTimeout(() => this.expire(waiter), maxWaitMs);
      this.waiters.push(waiter);
      this.pump();
    });
  }

  private expire(waiter: Waiter): void {
    waiter.expired = true;
    if (waiter.attempting) return;
    const i = this.waiters.indexOf(waiter);
    if (i >= 0) this.waiters.splice(i, 1);
    waiter.resolve(undefined);
    this.checkIdle();
  }

  private pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.drain().finally(() => {
      this.pumping = false;
      this.checkIdle();
    });
  }

  /** Starts waiters, first come first served, until one cannot start; then arranges the next attempt. */
  private async drain(): Promise<void> {
    while (this.waiters.length > 0) {
      const head = this.waiters[0]!;
      head.attempting = true;
      this.again = false;
      const slot = await this.tryStart();
      head.attempting = false;
      if (slot || head.expired) {
        this.waiters.shift();
        clearTimeout(head.timer);
        // A slot won by an attempt already in flight at expiry is still given: the caller is admitted late
        // by a few ms instead of leaving a started job behind.
        head.resolve(slot);
        continue;
      }
      if (this.again) continue;
      this.retryLater();
      return;
    }
  }

  private retryLater(): void {
    // Full: a finishing call pumps again. Otherwise only the minTime spacing is in the way.
    if (this.maxConcurrent !== undefined && this.running >= this.maxConcurrent) return;
    clearTimeout(this.retryTimer);
    const delay = Math.max(1, Math.ceil(this.nextStartAt - performance.now()));
    this.retryTimer = setTimeout(() => this.pump(), delay);
  }

  private tryStart(): Promise<Slot | undefined> {
    return new Promise((resolve) => {
      let started = false;
      let finished: Promise<void> = Promise.resolve();
      const job = () =>
        new Promise<void>((done) => {
          started = true;
          this.running++;
          this.nextStartAt = performance.now() + this.minTimeMs;
          let freed = false;
          resolve({
            free: () => {
              if (!freed) {
                freed = true;
                done();
              }
              return finished;
            },
          });
        });
      finished = this.limiter.schedule(job).then(
        () => {
          this.running--;
          this.pump();
        },
        // Dropped: it could not start now (Bottleneck rejects before running the job).
        () => {
          if (!started) resolve(undefined);
        },
      );
    });
  }

  private checkIdle(): void {
    if (this.waiters.length > 0 || this.running > 0 || this.pumping) return;
    // Keep the limiter until its spacing has passed, or a new limiter would start the next call early.
    const timer = setTimeout(
      () => {
        if (this.waiters.length === 0 && this.running === 0 && !this.pumping) this.onIdle();
      },
      Math.max(0, Math.ceil(this.nextStartAt - performance.now())),
    );
    timer.unref();
  }
}
