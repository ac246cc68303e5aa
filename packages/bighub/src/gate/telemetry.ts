import type { GateContext, GateResult } from '@tollgate/core';
import type { BighubClient } from '../client/client.js';
import type { OutcomeReport } from '../client/outcomes.js';
import type { MemoryEvent } from '../client/types.js';

/** Options for memory ingest and outcome reporting after a call. */
export interface TelemetryOptions {
  /** Ingest each decided call into BIGHUB memory (default true, as bighub-openai's `memory_enabled`). */
  memory?: boolean;
  /** Report each decided call's outcome against its `request_id` (default true). */
  outcomes?: boolean;
  /** Bound of each telemetry request, in ms (default 2000); telemetry is never retried. */
  timeoutMs?: number;
  /** `source` of ingested events (default `tollgate`). */
  source?: string;
  /** `source_version` of ingested events (default `@tollgate/bighub@0.1.0`). */
  sourceVersion?: string;
  /** The LLM behind the agent, passed as `model`. */
  model?: string;
  /** Ask BIGHUB to redact sensitive values server-side (default true). */
  redact?: boolean;
  /** BIGHUB's redaction policy name (default `default`). */
  redactionPolicy?: string;
  /** Send the tool's arguments with each event (default true). */
  includeArguments?: boolean;
  /** Send the tool's return value with each event (default false: outputs often hold personal data). */
  includeOutput?: boolean;
}

/** Telemetry counters, for `BighubGate.stats()`. */
export interface TelemetryStats {
  /** Memory ingests that BIGHUB accepted / that failed or timed out. */
  memory: { sent: number; failed: number };
  /** Outcome reports that BIGHUB accepted / that failed or timed out. */
  outcomes: { sent: number; failed: number };
  /** Telemetry requests skipped because the circuit was open. */
  skipped: number;
  /** Telemetry requests still in flight. */
  pending: number;
}

/** The current schema of ingested memory events (as bighub-openai sends). */
export const MEMORY_SCHEMA_VERSION = 1;

const OUTCOME_STATUS: Record<string, string> = {
  executed: 'SUCCESS',
  tool_error: 'FAILURE',
  blocked: 'BLOCKED',
};

/** What one finished call tells BIGHUB about. */
export interface TelemetryItem {
  result: GateResult;
  ctx: GateContext;
  actor: string;
  domain: string | undefined;
  requestId: string | undefined;
  /** The raw decision, or the runner's approval decision on a resume. */
  decision: unknown;
}

/**
 * Sends memory events and outcome reports without ever holding a call up: `send` starts the requests and returns
 * at once; each is bounded by `timeoutMs`, never retried, and its failure only counts in {@link TelemetryStats}.
 */
export class Telemetry {
  private readonly pending = new Set<Promise<void>>();
  private readonly counts = { memory: { sent: 0, failed: 0 }, outcomes: { sent: 0, failed: 0 }, skipped: 0 };
  private seq = 0;

  constructor(
    private readonly client: BighubClient,
    private readonly options: TelemetryOptions,
    private readonly circuitOpen: () => boolean,
  ) {}

  /** Starts the telemetry for one call and returns at once (fire-and-forget). */
  send(item: TelemetryItem): void {
    const o = this.options;
    const request = { timeoutMs: o.timeoutMs ?? 2000, retries: 0 };
    if (o.memory ?? true) {
      const sourceVersion = o.sourceVersion ?? '@tollgate/bighub@0.1.0';
      this.track('memory', () =>
        this.client.actions.ingestMemory(
          {
            source: o.source ?? 'tollgate',
            source_version: sourceVersion,
            actor: item.actor,
            domain: item.domain,
            model: o.model,
            redact: o.redact ?? true,
            redaction_policy: o.redactionPolicy ?? 'default',
            trace_id: item.ctx.traceId,
            events: [this.event(item, sourceVersion)],
          },
          request,
        ),
      );
    }
    const status = OUTCOME_STATUS[item.result.status];
    if ((o.outcomes ?? true) && item.requestId && status) {
      const report: OutcomeReport = {
        status,
        request_id: item.requestId,
        description: `${item.result.tool}: ${item.result.status} (${item.result.reason})`,
        details: { tool: item.result.tool, call_id: item.result.callId, reason: item.result.reason },
      };
      if (item.result.error) report.details!.error = item.result.error;
      this.track('outcomes', () => this.client.outcomes.report(report, request));
    }
  }

  /** Counters so far. */
  stats(): TelemetryStats {
    return {
      memory: { ...this.counts.memory },
      outcomes: { ...this.counts.outcomes },
      skipped: this.counts.skipped,
      pending: this.pending.size,
    };
  }

  /** Resolves once every telemetry request started so far has finished (or timed out). Never rejects. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private event(item: TelemetryItem, sourceVersion: string): MemoryEvent {
    const { result, ctx } = item;
    const event: MemoryEvent = {
      event_id: result.eventId,
      seq: this.seq++,
      schema_version: MEMORY_SCHEMA_VERSION,
      source_version: sourceVersion,
      tool: result.tool,
      status: result.status,
      decision: item.decision,
      call_id: result.callId,
      timestamp: new Date(ctx.clock.now()).toISOString(),
    };
    if (this.options.includeArguments ?? true) event.arguments = ctx.args;
    if (this.options.includeOutput && 'result' in result) event.output = result.result;
    if (result.error) event.error = result.error;
    return event;
  }

  private track(kind: 'memory' | 'outcomes', start: () => Promise<unknown>): void {
    if (this.circuitOpen()) {
      this.counts.skipped++;
      return;
    }
    const p: Promise<void> = Promise.resolve()
      .then(start)
      .then(
        () => {
          this.counts[kind].sent++;
        },
        () => {
          this.counts[kind].failed++;
        },
      )
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }
}
