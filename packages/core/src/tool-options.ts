import type { Gate } from './gate.js';

/**
 * A tool's `gates[name]` options that a gate refuses, thrown from `compileToolOptions` (so from `register()`).
 * The message names the tool, the gate and the JSON Pointer (RFC 6901) of the problem within the options, e.g.
 * `Tool "send_money" has invalid gates.rate options at /limits/0/points: must be a whole number ≥ 1`.
 */
export class ToolOptionsError extends TypeError {
  override readonly name = 'ToolOptionsError';
  /** The tool whose options were refused. */
  readonly tool: string;
  /** The gate whose options they are. */
  readonly gate: string;
  /** JSON Pointer within the options (`''` for the options themselves). */
  readonly path: string;
  /** What is wrong, without the location. */
  readonly problem: string;

  constructor(where: { tool: string; gate: string }, path: string, problem: string, options?: { cause?: unknown }) {
    super(
      `Tool "${where.tool}" has invalid gates.${where.gate} options${path ? ` at ${path}` : ''}: ${problem}`,
      options,
    );
    this.tool = where.tool;
    this.gate = where.gate;
    this.path = path;
    this.problem = problem;
  }
}

/** Where options come from, for {@link readToolOptions}'s errors. */
export interface ToolOptionsSite {
  /** The gate's name. */
  gate: string;
  /** The tool's name. */
  tool: string;
}

/**
 * The one way gates read a tool's raw options: `undefined` (or `true`) means none, an object is checked against
 * the keys the gate knows, and anything else is refused.
 * @returns the options object, or `undefined` when the tool gives none
 * @throws {ToolOptionsError} for a non-object, or an object with keys the gate does not know (listing them all)
 */
export function readToolOptions<K extends string>(
  raw: unknown,
  site: ToolOptionsSite,
  keys: readonly K[],
): Partial<Record<K, unknown>> | undefined {
  if (raw === undefined || raw === true) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ToolOptionsError(site, '', `must be an object, false or absent, got ${describe(raw)}`);
  }
  const unknown = Object.keys(raw).filter((k) => !(keys as readonly string[]).includes(k));
  if (unknown.length > 0) {
    const known = keys.length > 0 ? ` (known: ${keys.join(', ')})` : ' (this gate takes none)';
    throw new ToolOptionsError(
      site,
      '',
      `unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}${known}`,
    );
  }
  return raw as Partial<Record<K, unknown>>;
}

/**
 * A tool's options for one gate, typed from the gate, to spread into `ToolDefinition.gates`:
 * `gates: { ...gateOptions(rate, { cost: 2 }), ...gateOptions(audit, false) }` (`false` skips the gate).
 */
export function gateOptions<R>(gate: Gate<unknown, R>, options: R | false): Record<string, R | false> {
  return { [gate.name]: options };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
