import { errorName, errorText } from './errors.js';
import { Reason } from './reasons.js';
import {
  type Gate,
  type GateContext,
  type GateDecision,
  type GateVerdict,
  STAGES,
  type ToolDefinition,
} from './types.js';

const stageIndex = new Map<string, number>(STAGES.map((s, i) => [s, i]));

/** The gates that apply to a tool, in stage order: the runner's and the tool's own, less those it sets to `false`. */
export function orderPipeline(gates: readonly Gate[], definition: ToolDefinition): Gate[] {
  const all = [...gates, ...(definition.use ?? [])].filter((g) => definition.gates?.[g.name] !== false);
  // Array.prototype.sort is stable: gates of one stage keep the order they were given in.
  return all.sort((a, b) => (stageIndex.get(a.stage) ?? 0) - (stageIndex.get(b.stage) ?? 0));
}

/** Throws `TypeError` for a gate without a name or a known stage. */
export function assertGate(gate: Gate): void {
  if (!gate || typeof gate.name !== 'string' || gate.name === '') throw new TypeError('A gate needs a non-empty name');
  if (!stageIndex.has(gate.stage) || (gate.stage as string) === 'validation') {
    throw new TypeError(
      `Gate "${gate.name}" has stage "${String(gate.stage)}"; expected rate, budget, rule, decision or audit`,
    );
  }
}

/** Runs each gate's `validateToolOptions` on the tool's options; throws `TypeError` naming tool and gate. */
export function validateToolOptions(gates: readonly Gate[], definition: ToolDefinition): void {
  for (const gate of gates) {
    const options = definition.gates?.[gate.name];
    if (options === undefined || options === false || !gate.validateToolOptions) continue;
    try {
      gate.validateToolOptions(options, definition.name);
    } catch (err) {
      throw new TypeError(`Tool "${definition.name}" has invalid gates.${gate.name} options: ${errorText(err)}`);
    }
  }
}

/** Runs one gate's check; a synchronous verdict costs no extra microtask. Never throws. */
export function evaluateGate(gate: Gate, ctx: GateContext, options: unknown): GateVerdict | Promise<GateVerdict> {
  let verdict: unknown;
  try {
    verdict = gate.check?.(ctx, options);
  } catch (err) {
    return gateFailure(gate, err);
  }
  if (isVerdict(verdict)) return verdict;
  if (verdict !== null && typeof (verdict as Promise<unknown>)?.then === 'function') {
    return (verdict as Promise<unknown>).then(
      (v) => (isVerdict(v) ? v : gateFailure(gate, new TypeError(`gate "${gate.name}" returned no valid verdict`))),
      (err) => gateFailure(gate, err),
    );
  }
  return gateFailure(gate, new TypeError(`gate "${gate.name}" returned no valid verdict`));
}

const OUTCOMES = new Set(['allow', 'block', 'require_approval']);

/** What a gate's own failure becomes: a block (fail-closed, the default) or a recorded allow (fail-open). */
function gateFailure(gate: Gate, err: unknown): GateVerdict {
  const error = { name: errorName(err), message: errorText(err) };
  if (gate.failMode === 'open') {
    return {
      outcome: 'allow',
      reason: Reason.gateErrorFailOpen,
      message: `${gate.name} failed and is fail-open: ${error.message}`,
      error,
    };
  }
  return {
    outcome: 'block',
    reason: Reason.gateError,
    message: `The ${gate.name} check could not be completed, so the call was blocked. Try again later.`,
    error,
  };
}

function isVerdict(v: unknown): v is GateVerdict {
  if (typeof v !== 'object' || v === null) return false;
  const verdict = v as GateVerdict;
  return OUTCOMES.has(verdict.outcome) && typeof verdict.reason === 'string';
}

/** The decision recorded for a verdict. */
export function toDecision(gate: Gate, verdict: GateVerdict): GateDecision {
  // Field by field: object rest (`{ reservation, ...rest }`) was the runner's hottest line.
  const decision: GateDecision = {
    outcome: verdict.outcome,
    gate: gate.name,
    stage: gate.stage,
    reason: verdict.reason,
  };
  if (verdict.message !== undefined) decision.message = verdict.message;
  if (verdict.retryAfterMs !== undefined) decision.retryAfterMs = verdict.retryAfterMs;
  if (verdict.data !== undefined) decision.data = verdict.data;
  if (verdict.error !== undefined) decision.error = verdict.error;
  return decision;
}
