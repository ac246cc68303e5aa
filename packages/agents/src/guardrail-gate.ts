import { type Agent, RunContext, type ToolInputGuardrailDefinition } from '@openai/agents';
import type { FailMode, Gate, GateContext, GateVerdict } from '@tollgate/core';
import { currentCallScope } from './call-scope.js';
import { AgentsReason } from './reasons.js';

/** Options for {@link ToolGuardrailGate}. */
export interface ToolGuardrailGateOptions {
  /** SDK tool input guardrails (`defineToolInputGuardrail({ name, run })`), run in order; the first that rejects blocks. */
  guardrails: readonly ToolInputGuardrailDefinition<unknown>[];
  /** Gate name (default `guardrails`). */
  name?: string;
  /** What a guardrail that throws means (default `closed`: the call is blocked with `gate_error`). */
  failMode?: FailMode;
  /** Evaluate and record, never enforce. */
  shadow?: boolean;
  /**
   * The agent handed to the guardrails as `agent`. The SDK gives a function tool no agent, so a gated call can only
   * pass this one (default: none, `undefined` cast to an agent).
   */
  // biome-ignore lint/suspicious/noExplicitAny: any agent, whatever its context and output types.
  agent?: Agent<any, any>;
}

/**
 * Runs the Agents SDK's tool input guardrails as a tollgate gate (stage `rule`), so they sit in the pipeline:
 * ordered with the other gates, audited, shadowable, re-run when an approved call resumes, and usable for tools
 * called outside the SDK. `allow` allows; `rejectContent` blocks with `guardrail_rejected` and the guardrail's
 * message for the model; `throwException` blocks with `guardrail_tripwire` (tollgate ends the call, never the
 * run). The decision's data names the guardrail and carries its `outputInfo`. Each guardrail gets the SDK run
 * context of the call in flight (a fresh `RunContext` for a call made outside the SDK) and the call as a
 * `function_call` item with the validated arguments.
 */
export class ToolGuardrailGate implements Gate {
  readonly name: string;
  readonly stage = 'rule' as const;
  readonly failMode: FailMode;
  readonly shadow: boolean;
  private readonly guardrails: readonly ToolInputGuardrailDefinition<unknown>[];
  // biome-ignore lint/suspicious/noExplicitAny: as the option.
  private readonly agent: Agent<any, any> | undefined;

  /** @throws {TypeError} for a guardrail without a name or a `run` function */
  constructor(options: ToolGuardrailGateOptions) {
    for (const g of options.guardrails ?? []) {
      if (typeof g?.name !== 'string' || typeof g.run !== 'function') {
        throw new TypeError('Each guardrail needs a name and a run function (defineToolInputGuardrail).');
      }
    }
    this.guardrails = [...options.guardrails];
    this.name = options.name ?? 'guardrails';
    this.failMode = options.failMode ?? 'closed';
    this.shadow = options.shadow ?? false;
    this.agent = options.agent;
  }

  async check(ctx: GateContext): Promise<GateVerdict> {
    const scope = currentCallScope();
    const context = (scope?.runContext as RunContext<unknown> | undefined) ?? new RunContext<unknown>();
    const toolCall = {
      type: 'function_call' as const,
      callId: ctx.callId,
      name: ctx.tool,
      arguments: JSON.stringify(ctx.args),
      status: 'completed' as const,
    };
    for (const guardrail of this.guardrails) {
      const output = await guardrail.run({ context, agent: this.agent as Agent, toolCall });
      const behavior = output?.behavior;
      const data = {
        guardrail: guardrail.name,
        ...(output?.outputInfo === undefined ? {} : { outputInfo: output.outputInfo }),
      };
      if (behavior?.type === 'rejectContent') {
        return { outcome: 'block', reason: AgentsReason.guardrailRejected, message: behavior.message, data };
      }
      if (behavior?.type === 'throwException') {
        return {
          outcome: 'block',
          reason: AgentsReason.guardrailTripwire,
          message: `The guardrail "${guardrail.name}" stopped this call. Do not retry it; tell the user it was refused.`,
          data,
        };
      }
      if (behavior?.type !== 'allow') {
        throw new TypeError(
          `Guardrail "${guardrail.name}" returned no behavior (allow, rejectContent or throwException).`,
        );
      }
    }
    return { outcome: 'allow', reason: AgentsReason.ok };
  }
}
