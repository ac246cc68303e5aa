import type { Ajv } from 'ajv';
import type { Gate } from './gate.js';
import { assertGate, byStage, compilePipeline, type PipelineStep } from './gates.js';
import { type CompiledParameters, compileParameters } from './schema.js';
import type { ToolDefinition } from './tool.js';

/** A registered tool: its definition, its compiled parameters and its compiled pipeline. */
export interface RegisteredTool {
  readonly definition: ToolDefinition;
  readonly parameters: CompiledParameters;
  pipeline: readonly PipelineStep[];
}

/** The runner's tools and gates; every configuration error surfaces here, at start-up. */
export class ToolRegistry {
  private readonly tools = new Map<string, RegisteredTool>();
  private readonly gates: Gate[] = [];
  /** The runner's gates in stage order without tool options: what records a call to an unknown tool. */
  fallback: readonly PipelineStep[] = [];

  constructor(private readonly ajv: Ajv) {}

  /** @throws {TypeError} for a gate without a known stage or a name already used; {@link ToolOptionsError} */
  use(gate: Gate): void {
    assertGate(gate);
    if (this.gates.some((g) => g.name === gate.name))
      throw new TypeError(`A gate named "${gate.name}" is already used`);
    const next = [...this.gates, gate];
    // Compile every tool's pipeline first, so a refused option leaves the registry as it was.
    const pipelines = [...this.tools.values()].map((t) => compilePipeline(next, t.definition));
    this.gates.push(gate);
    [...this.tools.values()].forEach((t, i) => {
      t.pipeline = pipelines[i]!;
    });
    this.fallback = byStage(this.gates).map((g) => ({ gate: g, options: undefined }));
  }

  /** @throws {TypeError} for a missing name or handler, a duplicate name, an invalid schema; {@link ToolOptionsError} */
  register(definition: ToolDefinition): void {
    if (!definition || typeof definition.name !== 'string' || definition.name === '') {
      throw new TypeError('A tool needs a non-empty name');
    }
    if (this.tools.has(definition.name)) throw new TypeError(`Tool "${definition.name}" is already registered`);
    if (typeof definition.handler !== 'function') throw new TypeError(`Tool "${definition.name}" needs a handler`);
    for (const gate of definition.use ?? []) assertGate(gate);
    const parameters = compileParameters(this.ajv, definition.name, definition.parameters);
    const pipeline = compilePipeline(this.gates, definition);
    this.tools.set(definition.name, { definition, parameters, pipeline });
  }

  get(name: string): RegisteredTool | undefined {
    return this.tools.get(name);
  }

  names(): string[] {
    return [...this.tools.keys()];
  }

  definitions(): ToolDefinition[] {
    return [...this.tools.values()].map((t) => t.definition);
  }

  all(): RegisteredTool[] {
    return [...this.tools.values()];
  }

  /** Every gate once: the runner's and the tools' own (`use`). */
  allGates(): Gate[] {
    const all = new Set<Gate>(this.gates);
    for (const t of this.tools.values()) for (const g of t.definition.use ?? []) all.add(g);
    return [...all];
  }

  /** The pipeline of `tool`, or the runner's gates for a tool that is not registered. */
  pipelineOf(tool: string): readonly PipelineStep[] {
    return this.tools.get(tool)?.pipeline ?? this.fallback;
  }
}
