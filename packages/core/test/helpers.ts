import type { Gate, GateContext, GateVerdict, Reservation, SettleInfo, ToolDefinition } from '@tollgate/core';

/** A clock the test moves by hand. */
export function manualClock(start = 1_700_000_000_000) {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

/** A tool whose handler counts its runs and echoes its arguments. */
export function echoTool(name = 'pay', extra: Partial<ToolDefinition> = {}) {
  const runs: Record<string, unknown>[] = [];
  const tool: ToolDefinition = {
    name,
    description: 'Pays an amount to a recipient.',
    parameters: {
      type: 'object',
      properties: { amount: { type: 'number', minimum: 0 }, to: { type: 'string', minLength: 1 } },
      required: ['amount', 'to'],
      additionalProperties: false,
    },
    handler: (args: Record<string, unknown>) => {
      runs.push(args);
      return { paid: args.amount, to: args.to };
    },
    ...extra,
  };
  return { tool, runs };
}

/** A gate that holds a counter: +1 on check, -1 on release; records what happened, in order. */
export function countingGate(name: string, stage: Gate['stage'], log: string[] = []) {
  const state = { held: 0, committed: 0, released: 0, settled: [] as SettleInfo[] };
  const gate: Gate = {
    name,
    stage,
    check(ctx: GateContext): GateVerdict {
      log.push(`${name}:check`);
      if (ctx.dryRun) return { outcome: 'allow', reason: 'ok' };
      state.held++;
      const reservation: Reservation = {
        commit(info) {
          state.committed++;
          state.settled.push(info);
          log.push(`${name}:commit`);
        },
        release(info) {
          state.held--;
          state.released++;
          state.settled.push(info);
          log.push(`${name}:release`);
        },
      };
      return { outcome: 'allow', reason: 'ok', reservation };
    },
  };
  return { gate, state, log };
}

/** A gate with a fixed answer. */
export function fixedGate(name: string, stage: Gate['stage'], verdict: GateVerdict | (() => GateVerdict)): Gate {
  return { name, stage, check: () => (typeof verdict === 'function' ? verdict() : verdict) };
}
