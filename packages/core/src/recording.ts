import type { ApprovalRecord } from './approvals.js';
import type { CallState } from './call.js';
import { errorText } from './errors.js';
import type { DecisionEvent, DecisionListener, EventIds } from './events.js';
import type { GateDecision } from './gate.js';
import { newId } from './ids.js';
import type { GateResult } from './result.js';

/**
 * The record fan-out and the one event emitter: every decision, result and approval event leaves through here,
 * numbered by one `seq`, and every gate's `record` is awaited at most `recordTimeoutMs`.
 */
export class Recorder {
  private readonly listeners = new Set<DecisionListener>();
  private seq = 0;

  constructor(private readonly recordTimeoutMs: number) {}

  /** @returns a function that unsubscribes */
  subscribe(listener: DecisionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Adds a decision to the call and tells listeners. */
  decision(state: CallState, decision: GateDecision): void {
    state.decisions.push(decision);
    if (this.listeners.size > 0) this.emit({ type: 'decision', ...ids(state), decision });
  }

  /** Tells listeners of an approval created or decided. */
  approval(approval: ApprovalRecord, state?: CallState): void {
    if (this.listeners.size === 0) return;
    const at: EventIds = state
      ? ids(state)
      : {
          seq: 0,
          eventId: newId('evt'),
          traceId: approval.context.traceId ?? '',
          callId: approval.callId,
          tool: approval.tool,
        };
    this.emit({ type: 'approval', ...at, approval });
  }

  /** Tells listeners of a call's result. */
  result(state: CallState, result: GateResult): void {
    if (this.listeners.size > 0) this.emit({ type: 'result', ...ids(state), result });
  }

  /** Hands the result to every gate's `record`; failures and late records become warnings. */
  async record(state: CallState, result: GateResult): Promise<void> {
    for (const { gate, options } of state.pipeline) {
      if (!gate.record) continue;
      try {
        const pending = gate.record(result, state.ctx, options);
        if (pending) await this.bounded(pending, gate.name, state);
      } catch (err) {
        state.warnings.push(`${gate.name} failed to record this call: ${errorText(err)}`);
      }
    }
  }

  /** Waits for a record at most `recordTimeoutMs`; past that, the call returns and says so. */
  private async bounded(pending: void | Promise<void>, gate: string, state: CallState): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.recordTimeoutMs);
    });
    try {
      if ((await Promise.race([pending, late])) === 'late') {
        state.warnings.push(
          `${gate} did not confirm its record within ${this.recordTimeoutMs} ms; it is still being written`,
        );
        Promise.resolve(pending).catch(() => {}); // its outcome is now the sink's to report (audit counts failures)
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private emit(event: DecisionEvent): void {
    event.seq = ++this.seq;
    for (const listener of this.listeners) {
      try {
        const p = listener(event);
        if (p && typeof (p as Promise<void>).catch === 'function') (p as Promise<void>).catch(() => {});
      } catch {
        // A listener's failure is its own; the call goes on.
      }
    }
  }
}

function ids(state: CallState): EventIds {
  return { seq: 0, eventId: newId('evt'), traceId: state.traceId, callId: state.callId, tool: state.tool };
}
