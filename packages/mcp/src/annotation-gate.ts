import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import {
  type FailMode,
  type Gate,
  type GateContext,
  type GateOptions,
  type GateVerdict,
  readToolOptions,
  ToolOptionsError,
} from '@tollgate/core';
import { McpReason } from './reasons.js';
import { mcpToolInfo } from './tools.js';

/** What the gate does with a class of tools. */
export type AnnotationEffect = 'allow' | 'require_approval' | 'block';

/** The classes of tools, by their hints, each with the effect it gets. */
export interface AnnotationEffects {
  /** `readOnlyHint: true` and not `openWorldHint: true` (default `'allow'`). */
  readOnly?: AnnotationEffect;
  /** `openWorldHint: true`: reaches the web, e-mail, other systems (default `'require_approval'`). */
  openWorld?: AnnotationEffect;
  /** Not read-only and `destructiveHint` true or absent (MCP's default) (default `'require_approval'`). */
  destructive?: AnnotationEffect;
  /** Not read-only, `destructiveHint: false`, not open-world: adds without destroying (default `'require_approval'`). */
  notReadOnly?: AnnotationEffect;
  /** No hints at all (not an MCP tool, or a server that annotates nothing): treated as destructive (default `'require_approval'`). */
  unannotated?: AnnotationEffect;
}

/** A tool's options for this gate (`gates.annotations` of its definition, or a policy's `toolOptions`). */
export interface AnnotationToolOptions {
  /** Hints you vouch for, replacing the server's for this tool. */
  hints?: ToolAnnotations;
  /** This tool's effect, whatever its hints. */
  effect?: AnnotationEffect;
  /** This tool's options for the `rules` gate (e.g. a RuleGate's per-tool `rules`). */
  rules?: unknown;
}

/** Options for {@link ToolAnnotationGate}. */
export interface ToolAnnotationGateOptions extends GateOptions {
  /** The effect of each class of tools (defaults: read-only allowed, everything else sent to approval). */
  effects?: AnnotationEffects;
  /** Hints you vouch for, by tool name, replacing what the server says (a tool's own `hints` option wins). */
  hints?: Record<string, ToolAnnotations>;
  /**
   * Rules that override the hints, typically a `RuleGate` from `@tollgate/rule` that is not also given to the
   * runner: when one of its rules matches, its decision stands (allow, block or approval) whatever the hints say;
   * when none matches (its decision is marked `data.defaulted`, as RuleGate's is), the hints decide.
   */
  rules?: Gate;
}

/** The compiled per-tool options. */
export interface AnnotationToolConfig {
  hints: ToolAnnotations | undefined;
  effect: AnnotationEffect | undefined;
  rules: unknown;
}

type HintClass = keyof AnnotationEffects;

const EFFECTS: readonly AnnotationEffect[] = ['allow', 'require_approval', 'block'];

const DEFAULT_EFFECTS: Required<AnnotationEffects> = {
  readOnly: 'allow',
  openWorld: 'require_approval',
  destructive: 'require_approval',
  notReadOnly: 'require_approval',
  unannotated: 'require_approval',
};

const REASONS: Record<HintClass, string> = {
  readOnly: McpReason.readOnly,
  openWorld: McpReason.openWorld,
  destructive: McpReason.destructive,
  notReadOnly: McpReason.notReadOnly,
  unannotated: McpReason.unannotated,
};

/**
 * A default policy from MCP tool annotations (stage `rule`), for users who opt into it: read-only tools run,
 * tools that may destroy data or reach outside (`destructiveHint`, `openWorldHint`) wait for a person, and a tool
 * with no annotations is treated as destructive. Annotations are **hints from the server, not guarantees** (the MCP
 * specification says clients must treat them as untrusted unless the server is trusted): a hostile or careless
 * server can mark `delete_everything` read-only. Vouch for the tools you rely on with `hints`, override with
 * `rules`, or use this gate only with servers you trust. The hints read are those the server gave when the tool was
 * registered (`McpToolDefinition.mcp`); a later listing cannot change them.
 *
 * Precedence, per the MCP defaults (`readOnlyHint` false, `destructiveHint` true, `openWorldHint` true when
 * absent): `openWorldHint: true` → openWorld; else `readOnlyHint: true` → readOnly; else `destructiveHint` not
 * false → destructive; else `openWorldHint` not false → openWorld; else notReadOnly.
 */
export class ToolAnnotationGate implements Gate<AnnotationToolConfig, AnnotationToolOptions> {
  /** Name in decisions and in tools' `gates` options (default `annotations`). */
  readonly name: string;
  readonly stage = 'rule' as const;
  readonly failMode: FailMode;
  readonly shadow: boolean;
  private readonly effects: Required<AnnotationEffects>;
  private readonly hints: Record<string, ToolAnnotations>;
  private readonly rules: Gate | undefined;

  /** @throws {TypeError} for an effect that is not `allow`, `require_approval` or `block` */
  constructor(options: ToolAnnotationGateOptions = {}) {
    this.name = options.name ?? 'annotations';
    this.failMode = options.failMode ?? 'closed';
    this.shadow = options.shadow ?? false;
    this.effects = { ...DEFAULT_EFFECTS, ...options.effects };
    for (const [key, effect] of Object.entries(this.effects)) {
      if (!EFFECTS.includes(effect)) throw new TypeError(`effects.${key} must be one of ${EFFECTS.join(', ')}`);
    }
    this.hints = { ...options.hints };
    this.rules = options.rules;
  }

  /** @throws {ToolOptionsError} for unknown keys, a bad `effect`, or `rules` options the rules gate refuses */
  compileToolOptions(raw: AnnotationToolOptions | undefined, tool: string): AnnotationToolConfig {
    const site = { gate: this.name, tool };
    const options = readToolOptions(raw, site, ['hints', 'effect', 'rules']);
    const effect = options?.effect as AnnotationEffect | undefined;
    if (effect !== undefined && !EFFECTS.includes(effect)) {
      throw new ToolOptionsError(site, '/effect', `must be one of ${EFFECTS.join(', ')}`);
    }
    const hints = options?.hints as ToolAnnotations | undefined;
    if (hints !== undefined && (typeof hints !== 'object' || hints === null || Array.isArray(hints))) {
      throw new ToolOptionsError(site, '/hints', 'must be an object of MCP tool annotations');
    }
    let rules: unknown;
    if (this.rules?.compileToolOptions) rules = this.rules.compileToolOptions(options?.rules, tool);
    else if (options?.rules !== undefined) throw new ToolOptionsError(site, '/rules', 'this gate has no rules gate');
    return { hints: hints ?? this.hints[tool], effect, rules };
  }

  async check(ctx: GateContext, tool?: AnnotationToolConfig): Promise<GateVerdict> {
    if (this.rules?.check) {
      const ruled = await this.rules.check(ctx, tool?.rules);
      if (ruled.data?.defaulted !== true) return ruled;
    }
    const hints = tool?.hints ?? this.hints[ctx.tool] ?? mcpToolInfo(ctx.definition)?.tool.annotations;
    const hintClass = classify(hints);
    const effect = tool?.effect ?? this.effects[hintClass];
    const data = { class: hintClass, hints: hints ?? null, source: sourceOf(tool, this.hints[ctx.tool]) };
    if (effect === 'allow') return { outcome: 'allow', reason: McpReason.ok, data };
    return { outcome: effect, reason: REASONS[hintClass], message: message(ctx.tool, hintClass, effect), data };
  }
}

/** The class of a tool by its hints (MCP defaults for absent fields). */
export function classify(hints: ToolAnnotations | undefined): HintClass {
  if (!hints || !['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'].some((k) => k in hints)) {
    return 'unannotated';
  }
  if (hints.openWorldHint === true) return 'openWorld';
  if (hints.readOnlyHint === true) return 'readOnly';
  if (hints.destructiveHint !== false) return 'destructive';
  if (hints.openWorldHint !== false) return 'openWorld';
  return 'notReadOnly';
}

function sourceOf(tool: AnnotationToolConfig | undefined, vouched: ToolAnnotations | undefined): string {
  if (tool?.effect !== undefined) return 'tool_effect';
  return tool?.hints !== undefined || vouched !== undefined ? 'vouched' : 'server';
}

function message(tool: string, hintClass: HintClass, effect: Exclude<AnnotationEffect, 'allow'>): string {
  const what: Record<HintClass, string> = {
    readOnly: `${tool} only reads`,
    openWorld: `${tool} reaches outside this machine (web, e-mail or other systems)`,
    destructive: `${tool} may change or delete data`,
    notReadOnly: `${tool} changes data`,
    unannotated: `${tool} does not say what it does, so it is treated as destructive`,
  };
  return effect === 'block'
    ? `${what[hintClass]}, and this policy does not allow such tools. Do not retry; ask the user.`
    : `${what[hintClass]}, so a person must approve this call before it runs.`;
}
