import { errorText } from './errors.js';
import { gateFailure } from './failure.js';
import { type Gate, type GateDecision, type GateVerdict, STAGES } from './gate.js';
import type { ToolDefinition } from './tool.js';
import { ToolOptionsError } from './tool-options.js';

/** One gate of a tool's pipeline with the tool's options for it, compiled once at `register()`. */
export interface PipelineStep {
  readonly gate: Gate;
  readonly options: unknown;
}

const stageIndex = new Map<string, number>(STAGES.map((s, i) => [s, i]));

/** Throws `TypeError` for a gate without a name or a known stage. */
export function assertGate(gate: Gate): void {
  if (!gate || typeof gate.name !== 'string' || gate.name === '') throw new TypeError('A gate needs a non-empty name');
  if (!stageIndex.has(gate.stage) || (gate.stage as string) === 'validation') {
    throw new TypeError(
      `Gate "${gate.name}" has stage "${String(gate.stage)}"; expected rate, budget, rule, decision or audit`,
    );
  }
}

/** Gates in stage order; gates of one stage keep the order they were given in (the sort is stable). */
export function byStage(gates: readonly Gate[]): Gate[] {
  return [...gates].sort((a, b) => (stageIndex.get(a.stage) ?? 0) - (stageIndex.get(b.stage) ?? 0));
}

/**
 * A tool's pipeline: the runner's gates and the tool's own, less those it sets to `false`, in stage order, each
 * with the tool's options compiled by the gate.
 * @throws {ToolOptionsError} naming tool, gate and path when a gate refuses the tool's options
 */
export function compilePipeline(gates: readonly Gate[], definition: ToolDefinition): PipelineStep[] {
  const all = byStage([...gates, ...(definition.use ?? [])]).filter((g) => definition.gates?.[g.name] !== false);
  return all.map((gate) => ({ gate, options: compileOptions(gate, definition) }));
}

function compileOptions(gate: Gate, definition: ToolDefinition): unknown {
  const raw = definition.gates?.[gate.name];
  const site = { tool: definition.name, gate: gate.name };
  if (!gate.compileToolOptions) {
    if (raw === undefined || raw === true) return undefined;
    throw new ToolOptionsError(site, '', 'this gate takes no per-tool options');
  }
  try {
    return gate.compileToolOptions(raw, definition.name);
  } catch (err) {
    if (err instanceof ToolOptionsError) throw err;
    throw new ToolOptionsError(site, '', errorText(err), { cause: err });
  }
}

/**
 * Runs one of a gate's hooks; a synchronous verdict costs no extra microtask. Never throws: a throw or a reply that
 * is not a verdict goes through the gate's fail mode. `undefined` is passed through when `optional` (no decision).
 */
export function evaluate(
  gate: Gate,
  hook: () => GateVerdict | undefined | Promise<GateVerdict | undefined>,
  optional = false,
): GateVerdict | undefined | Promise<GateVerdict | undefined> {
  let verdict: unknown;
  try {
    verdict = hook();
  } catch (err) {
    return gateFailure(gate, err);
  }
  if (isThenable(verdict)) {
    return Promise.resolve(verdict).then(
      (v) => accept(gate, v, optional),
      (err) => gateFailure(gate, err),
    );
  }
  return accept(gate, verdict, optional);
}

function accept(gate: Gate, verdict: unknown, optional: boolean): GateVerdict | undefined {
  if (verdict === undefined && optional) return undefined;
  if (isVerdict(verdict)) return verdict;
  return gateFailure(gate, new TypeError(`gate "${gate.name}" returned no valid verdict`));
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

const OUTCOMES = new Set(['allow', 'block', 'require_approval']);

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
  if (verdict.quorum !== undefined) decision.quorum = verdict.quorum;
  if (gate.shadow === true) decision.enforced = false;
  return decision;
}
