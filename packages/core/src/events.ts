import type { ApprovalRecord } from './approvals.js';
import type { GateDecision } from './gate.js';
import type { GateResult } from './result.js';

/**
 * What `onDecision` listeners receive. `seq` rises by one per event within a runner; `eventId` is unique;
 * `traceId` and `callId` tie an event to its run and tool call (bighub-openai's `on_decision` carries the same ids).
 */
export type DecisionEvent =
  | (EventIds & { type: 'decision'; decision: GateDecision })
  | (EventIds & { type: 'result'; result: GateResult })
  | (EventIds & { type: 'approval'; approval: ApprovalRecord });

/** Ids every event carries. */
export interface EventIds {
  seq: number;
  eventId: string;
  traceId: string;
  callId: string;
  tool: string;
}

/** A listener; what it throws or rejects with is swallowed and never breaks a call. */
export type DecisionListener = (event: DecisionEvent) => void | Promise<void>;
