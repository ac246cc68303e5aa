import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Gate, GatedToolRunner, type ToolDefinition } from '@tollgate/core';
import { afterEach } from 'vitest';
import { type AuditEntry, AuditGate, type AuditGateOptions, type AuditSink } from '../src/index.js';

const dirs: string[] = [];

/** A fresh temp directory, removed after the test. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-audit-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A clock tests move by hand. */
export function manualClock(start = Date.UTC(2026, 10, 21, 12, 0, 0)) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

/** The tools every runner in these tests has: `pay` (echoes), `fail` (throws its message). */
export function tools(runs: { count: number } = { count: 0 }): ToolDefinition[] {
  return [
    {
      name: 'pay',
      parameters: {
        type: 'object',
        properties: { amount: { type: 'number' }, to: { type: 'string' }, note: { type: 'string' } },
        required: ['amount', 'to'],
      },
      handler: (args: { amount: number; to: string; note?: string }) => {
        runs.count++;
        return { paid: args.amount, to: args.to, note: args.note ?? null };
      },
    },
    {
      name: 'fail',
      parameters: { type: 'object', properties: { why: { type: 'string' } }, required: ['why'] },
      handler: (args: { why: string }) => {
        runs.count++;
        throw new Error(args.why);
      },
    },
  ];
}

/** A rule-stage gate: blocks `to: "mallory"`, asks for approval above 1,000. */
export const policyGate: Gate = {
  name: 'policy',
  stage: 'rule',
  check: (ctx) => {
    if (ctx.args.to === 'mallory') return { outcome: 'block', reason: 'payee_blocked', message: 'Not to mallory.' };
    if ((ctx.args.amount as number) > 1000) {
      return { outcome: 'require_approval', reason: 'large_payment', message: 'Above 1,000 needs a human.' };
    }
    return { outcome: 'allow', reason: 'ok' };
  },
};

/** A real runner with the test tools, the policy gate and an audit gate on `sink`. */
export function auditedRunner(sink: AuditSink, options: Omit<AuditGateOptions, 'sink'> = {}) {
  const runs = { count: 0 };
  const clock = manualClock();
  const audit = new AuditGate({ sink, ...options });
  const runner = new GatedToolRunner({ tools: tools(runs), gates: [audit, policyGate], clock });
  return { runner, audit, runs, clock };
}

/** A minimal entry, for sink tests that need no runner. */
export function entry(i: number): AuditEntry {
  return {
    v: 1,
    ts: new Date(Date.UTC(2026, 0, 1) + i).toISOString(),
    kind: 'outcome',
    callId: `call_${i}`,
    traceId: 'trace',
    eventId: `event_${i}`,
    tool: 'pay',
    status: 'executed',
    args: { i },
  };
}

/** Reads a JSONL file's lines (the trailing newline dropped). */
export async function fileLines(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}
