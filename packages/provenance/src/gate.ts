import {
  type Gate,
  type GateContext,
  type GateOptions,
  type GateVerdict,
  type ProvenanceOccurrence,
  type ProvenanceSource,
  type ProvenanceView,
  readToolOptions,
  ToolOptionsError,
  type ValueKind,
} from '@tollgate/core';
import { keyOf } from './kinds.js';
import { explain } from './messages.js';
import { ProvenanceReason } from './reasons.js';
import {
  type CompiledSink,
  compileSink,
  type ProvenanceSink,
  type SinkEffect,
  type SinkValue,
  shown,
  type ToolSink,
  toolMatcher,
  valuesAt,
} from './sinks.js';

/** A value the application vouches for in a call, whatever the run's content says (the caller's own address). */
export interface TrustedValue {
  value: unknown;
  kind: ValueKind;
}

/** Options for {@link ProvenanceGate}. */
export interface ProvenanceGateOptions extends GateOptions {
  /** Where values route actions, and what to do with those only untrusted content supplied. */
  sinks: readonly ProvenanceSink[];
  /**
   * Tools whose output counts as trusted, as the user's own words do (the bank's own ledger, the company directory):
   * names, globs or a predicate. Default: none; every tool output is untrusted.
   */
  trustedTools?: string | readonly string[] | ((tool: string) => boolean);
  /**
   * Whether a value that is a whole field of a tool's structured output (`"recipient": "GB29…"`, not a part of a
   * longer text) counts as supplied by the system that returned it: `true` for every kind, or a list of kinds.
   * Default `false`. It admits what a system of record holds and keeps out what was written inside free text
   * (subjects, bodies, web pages, documents), where injected instructions land; see docs/provenance.md for what it
   * cannot tell.
   */
  trustFields?: boolean | readonly ValueKind[];
  /** Values the application vouches for in this call (e.g. the actor's own e-mail address). */
  trustedValues?: (ctx: GateContext) => Iterable<TrustedValue>;
  /**
   * A call with sink values but no `ctx.provenance`: what to do (default: each sink's `effect`, reason
   * `provenance_missing`), since where its values came from cannot be told.
   */
  missing?: SinkEffect;
  /** Untrusted occurrences kept as evidence per value (default 3). */
  maxEvidence?: number;
}

/** Per-tool options: `gates.provenance` in a tool definition. */
export interface ProvenanceToolOptions {
  /** Sinks for this tool only, checked after the gate's sinks that apply to it. */
  sinks?: readonly ToolSink[];
}

/** One occurrence, as evidence for a reviewer. */
export interface ProvenanceEvidence {
  /** Who wrote the content: `user`, `system`, `developer` or `tool`. */
  origin: ProvenanceSource['origin'];
  /** The tool whose output it was. */
  tool?: string;
  /** The call whose output it was. */
  callId?: string;
  /** The field it was in, for structured output (JSON Pointer). */
  field?: string;
  /** The content around the value. */
  excerpt: string;
}

/** What the gate found out about one sink value. */
export interface CheckedValue {
  /** The sink's id. */
  sink: string;
  /** How messages name it. */
  label: string;
  /** JSON Pointer of the argument. */
  path: string;
  kind: ValueKind;
  /** The value, cleaned and cut at 120 characters. */
  value: string;
  /**
   * `supplied`: the user, the system, a trusted tool, a trusted field or the application supplied it;
   * `untrusted`: it occurs only in untrusted content; `unseen`: it occurs nowhere; `unknown`: there is no provenance.
   */
  verdict: 'supplied' | 'untrusted' | 'unseen' | 'unknown';
  /** What the sink does with this verdict. */
  effect: SinkEffect;
  /** Where it was supplied, for `supplied` (the first trusted occurrence; `application` for a trusted value). */
  by?: ProvenanceEvidence | { origin: 'application' };
  /** Where it occurs, for `untrusted`: the first `maxEvidence` occurrences. */
  evidence?: ProvenanceEvidence[];
  /** How many untrusted occurrences there are in all. */
  occurrences?: number;
}

/** The `data` of every decision the gate takes. */
export type ProvenanceDecisionData = {
  /** Every sink value in the call, in sink order. */
  values: CheckedValue[];
};

/**
 * Blocks what an injection put into a call's arguments. For each configured sink (tool, argument path, value kind),
 * it looks the call's values up in the run's provenance (`ctx.provenance`): a value the user, the system or a trusted
 * source supplied passes; one that occurs only in untrusted content (a tool's output) is sent to approval or blocked,
 * with the evidence in the decision's data (which output, which call, the text around the value) and a message that
 * tells the model where the value came from. The principle is CaMeL's and FIDES's data-flow integrity (Debenedetti et
 * al. 2025; Costa et al. 2025), applied at the tool boundary: values are compared, not traced through the model.
 *
 * Stage `rule`. Per-tool options (`gates.provenance`): `{ sinks }`, sinks for that tool only; `false` skips the gate.
 */
export class ProvenanceGate implements Gate<readonly CompiledSink[], ProvenanceToolOptions> {
  readonly name: string;
  readonly stage = 'rule' as const;
  readonly failMode: GateOptions['failMode'];
  readonly shadow: boolean | undefined;
  private readonly sinks: readonly { applies: (tool: string) => boolean; sink: CompiledSink }[];
  private readonly trustedTool: (tool: string) => boolean;
  private readonly fieldKinds: ReadonlySet<ValueKind>;
  private readonly trustedValues: ProvenanceGateOptions['trustedValues'];
  private readonly missing: SinkEffect | undefined;
  private readonly maxEvidence: number;

  /** @throws {TypeError} for a sink that is not valid (see {@link compileSink}), or bad options */
  constructor(options: ProvenanceGateOptions) {
    if (!options || !Array.isArray(options.sinks)) throw new TypeError('ProvenanceGate needs `sinks` (an array)');
    this.name = options.name ?? 'provenance';
    this.failMode = options.failMode;
    this.shadow = options.shadow;
    const ids = new Set<string>();
    this.sinks = options.sinks.map((sink, i) => {
      const compiled = compileSink(sink, `${this.name}: sinks[${i}]`);
      if (ids.has(compiled.id)) throw new TypeError(`${this.name}: two sinks have the id "${compiled.id}"`);
      ids.add(compiled.id);
      return { applies: toolMatcher(sink.tools, `${this.name}: sink "${compiled.id}"`), sink: compiled };
    });
    this.trustedTool =
      options.trustedTools === undefined
        ? () => false
        : toolMatcher(options.trustedTools, `${this.name}: trustedTools`);
    const fields = options.trustFields ?? false;
    this.fieldKinds = new Set(fields === true ? ['iban', 'email', 'url', 'phone', 'string', 'number'] : fields || []);
    this.trustedValues = options.trustedValues;
    if (options.missing !== undefined && !['allow', 'require_approval', 'block'].includes(options.missing)) {
      throw new TypeError(`${this.name}: missing must be allow, require_approval or block`);
    }
    this.missing = options.missing;
    this.maxEvidence = options.maxEvidence ?? 3;
  }

  /** The sinks that apply to `tool`: the gate's, then the tool's own. @throws {ToolOptionsError} for bad options */
  compileToolOptions(raw: ProvenanceToolOptions | undefined, tool: string): readonly CompiledSink[] {
    const own = readToolOptions(raw, { gate: this.name, tool }, ['sinks']);
    const compiled = this.sinks.filter((s) => s.applies(tool)).map((s) => s.sink);
    if (own?.sinks === undefined) return compiled;
    const site = { gate: this.name, tool };
    if (!Array.isArray(own.sinks)) throw new ToolOptionsError(site, '/sinks', 'must be an array of sinks');
    own.sinks.forEach((sink: ToolSink, i) => {
      try {
        compiled.push(compileSink(sink, 'sink'));
      } catch (err) {
        throw new ToolOptionsError(site, `/sinks/${i}`, (err as Error).message, { cause: err });
      }
    });
    return compiled;
  }

  /** Looks every sink value up in `ctx.provenance` and decides; never consumes or reserves anything. */
  check(ctx: GateContext, sinks: readonly CompiledSink[]): GateVerdict {
    const found = distinct((sinks ?? []).flatMap((sink) => valuesAt(sink, ctx.args)));
    if (found.length === 0) return { outcome: 'allow', reason: ProvenanceReason.ok, data: { values: [] } };
    const vouched = this.vouchedKeys(ctx);
    const values = found.map((v) => this.checkValue(v, ctx.provenance, vouched));
    const data: ProvenanceDecisionData = { values };
    const deciding = strongest(values);
    if (deciding.length === 0) return { outcome: 'allow', reason: ProvenanceReason.ok, data };
    const first = deciding[0]!;
    const reason =
      first.verdict === 'unknown'
        ? ProvenanceReason.provenanceMissing
        : first.verdict === 'unseen'
          ? ProvenanceReason.unseenValue
          : ProvenanceReason.untrustedValue;
    return {
      outcome: first.effect === 'block' ? 'block' : 'require_approval',
      reason,
      message: explain(deciding, ctx.tool),
      data,
    };
  }

  private checkValue(found: SinkValue, provenance: ProvenanceView | undefined, vouched: Set<string>): CheckedValue {
    const { sink, path, value } = found;
    const base = { sink: sink.id, label: sink.label, path, kind: sink.kind, value: shown(value) };
    if (vouched.has(`${sink.kind}\u0000${keyOf(value, sink.kind)}`)) {
      return { ...base, verdict: 'supplied', effect: 'allow', by: { origin: 'application' } };
    }
    if (!provenance) return { ...base, verdict: 'unknown', effect: this.missing ?? sink.effect };
    const occurrences = provenance.find(value, sink.kind);
    const supplier = occurrences.find((o) => this.trusts(o, sink.kind));
    if (supplier) return { ...base, verdict: 'supplied', effect: 'allow', by: evidenceOf(supplier) };
    if (occurrences.length === 0) return { ...base, verdict: 'unseen', effect: sink.unseen };
    return {
      ...base,
      verdict: 'untrusted',
      effect: sink.effect,
      evidence: occurrences.slice(0, this.maxEvidence).map(evidenceOf),
      occurrences: occurrences.length,
    };
  }

  private trusts(o: ProvenanceOccurrence, kind: ValueKind): boolean {
    if (o.source.origin !== 'tool') return true;
    if (this.trustedTool(o.source.tool)) return true;
    return o.whole && this.fieldKinds.has(kind);
  }

  private vouchedKeys(ctx: GateContext): Set<string> {
    const keys = new Set<string>();
    if (!this.trustedValues) return keys;
    for (const { value, kind } of this.trustedValues(ctx)) {
      const key = keyOf(value, kind);
      if (key !== undefined) keys.add(`${kind}\u0000${key}`);
    }
    return keys;
  }
}

/** Each value once per argument and kind, the first sink that found it keeping it (sinks overlap on purpose). */
function distinct(values: readonly SinkValue[]): SinkValue[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const key = `${v.sink.kind}\u0000${v.path}\u0000${v.value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The values whose effect is the strongest one that is not `allow` (block beats require_approval). */
function strongest(values: readonly CheckedValue[]): CheckedValue[] {
  const blocking = values.filter((v) => v.effect === 'block');
  return blocking.length > 0 ? blocking : values.filter((v) => v.effect === 'require_approval');
}

function evidenceOf(o: ProvenanceOccurrence): ProvenanceEvidence {
  const evidence: ProvenanceEvidence = { origin: o.source.origin, excerpt: o.excerpt };
  if (o.source.origin === 'tool') {
    evidence.tool = o.source.tool;
    evidence.callId = o.source.callId;
  }
  if (o.field !== undefined) evidence.field = o.field;
  return evidence;
}
