// The audit share of issue 15: the hash-chained record against its floor, its cost per recorded decision and
// per KB of arguments (objects and arrays), and one write-ahead call on the fsynced file sink against a bare
// append + fdatasync measured in the same process.
import { hash } from 'node:crypto';
import { writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditRecord } from '@tollgate/audit';
import { createAjv, type Gate, GatedToolRunner } from '@tollgate/core';
import { ARGS, CONTEXT, durableAuditGate, memoryAuditGate, paymentRunner, SCHEMA } from '../fixtures.js';
import type { CallCase, Figure, MeasureOptions } from '../measure.js';
import { callCase, expectExecuted } from './overhead.js';

/** Gates besides validation in the decisions table: records of 1 to 65 decisions. */
export const DECISION_GATES = [0, 1, 4, 16, 64];
/** Sizes of the arguments' JSON text in the arguments table, bytes. */
export const ARG_BYTES = [100, 1_000, 10_000, 100_000];
export const ARG_SHAPES = ['object', 'array'] as const;
export type ArgShape = (typeof ARG_SHAPES)[number];

/** A rule-stage gate that allows with a small decision `data`, as real gates do (a limit, what remains). */
function allowGate(i: number): Gate {
  const data = { limit: 1_000, remaining: 999 - i };
  return { name: `allow-${i}`, stage: 'rule', check: () => ({ outcome: 'allow', reason: 'ok', data }) };
}

/** The floor of the record a call through `gates` writes: JSON.stringify and SHA-256 of that record. */
async function recordFloor(gates: readonly Gate[]): Promise<() => string> {
  const { gate, sink } = memoryAuditGate('audit-probe');
  expectExecuted(await paymentRunner([...gates, gate]).call('send_money', ARGS, CONTEXT));
  const { hash: _hash, ...record } = sink.records.at(-1) as AuditRecord;
  // The record as sealed: built in canonical key order, so this is exactly the text the chain hashes.
  return () => hash('sha256', JSON.stringify(record), 'hex');
}

/**
 * The floor of one full-pipeline call (issue 15 target 1): parse and validate the same arguments, one counter
 * increment, one integer add, JSON.stringify and SHA-256 of the same audit record.
 */
export async function pipelineFloor(gates: readonly Gate[]): Promise<() => string> {
  const record = await recordFloor(gates);
  const validate = createAjv().compile(SCHEMA);
  const counters = new Map<string, number>();
  let spentMinor = 0;
  return () => {
    const args = JSON.parse(ARGS) as { amount: string };
    if (!validate(args)) throw new Error('floor arguments do not validate');
    counters.set('acme:agent:alice', (counters.get('acme:agent:alice') ?? 0) + 1);
    spentMinor += 1250;
    // Returned, so the engine cannot drop any of the work.
    return `${record()}:${spentMinor}`;
  };
}

/** Per decision count: the pipeline with and without its audit gate, and the floor of its record. */
export async function buildDecisionCases(): Promise<CallCase[]> {
  const cases: CallCase[] = [];
  for (const n of DECISION_GATES) {
    const gates = Array.from({ length: n }, (_, i) => allowGate(i));
    const audited = memoryAuditGate();
    const empty = () => {
      audited.sink.records.length = 0;
    };
    const decisions = `${n + 1} decision${n ? 's' : ''}`;
    cases.push(
      callCase(`audit.decisions.${n}.with`, `${decisions}, audit to memory`, paymentRunner([...gates, audited.gate]), {
        afterAll: empty,
      }),
      callCase(`audit.decisions.${n}.without`, `${decisions}, no audit`, paymentRunner(gates)),
      {
        id: `audit.decisions.${n}.floor`,
        label: `${decisions}: floor, JSON.stringify + SHA-256 of the same record`,
        fn: await recordFloor(gates),
      },
    );
  }
  return cases;
}

/** Arguments of about `bytes` bytes of JSON: an object of string fields, or an array of strings under `items`. */
export function argsText(shape: ArgShape, bytes: number): string {
  const value = (i: number) => `v${i}-${'x'.repeat(28)}`;
  const parts: string[] = [];
  let length = 2;
  for (let i = 0; length < bytes; i++) {
    const part = shape === 'object' ? `"k${i}":"${value(i)}"` : `"${value(i)}"`;
    parts.push(part);
    length += part.length + 1;
  }
  return shape === 'object' ? `{${parts.join(',')}}` : `{"items":[${parts.join(',')}]}`;
}

const SHAPE_SCHEMA: Record<ArgShape, Record<string, unknown>> = {
  object: { type: 'object', additionalProperties: { type: 'string' } },
  array: { type: 'object', properties: { items: { type: 'array', items: { type: 'string' } } }, required: ['items'] },
};

/** Per size and shape: a call with and without the audit gate, and the floor of the same bytes. */
export function buildArgCases(): CallCase[] {
  const cases: CallCase[] = [];
  const ajv = createAjv();
  for (const shape of ARG_SHAPES) {
    const validate = ajv.compile(SHAPE_SCHEMA[shape]);
    for (const bytes of ARG_BYTES) {
      const text = argsText(shape, bytes);
      const tool = { name: 'send_money', parameters: SHAPE_SCHEMA[shape], handler: () => ({ ok: true }) };
      const audited = memoryAuditGate();
      const withAudit = new GatedToolRunner({ tools: [tool], gates: [audited.gate] });
      const without = new GatedToolRunner({ tools: [tool] });
      const size = `${shape} of ${bytes.toLocaleString('en')} B`;
      const call = (runner: GatedToolRunner) => async () =>
        expectExecuted(await runner.call('send_money', text, CONTEXT));
      cases.push(
        {
          id: `audit.args.${shape}.${bytes}.with`,
          label: `${size}, audit to memory`,
          fn: call(withAudit),
          afterAll: () => {
            audited.sink.records.length = 0;
          },
        },
        { id: `audit.args.${shape}.${bytes}.without`, label: `${size}, no audit`, fn: call(without) },
        {
          id: `audit.args.${shape}.${bytes}.floor`,
          label: `${size}: floor, JSON.parse + validate + JSON.stringify + SHA-256`,
          fn: () => {
            const parsed = JSON.parse(text) as unknown;
            if (!validate(parsed)) throw new Error('floor arguments do not validate');
            return hash('sha256', JSON.stringify(parsed), 'hex');
          },
        },
      );
    }
  }
  return cases;
}

/**
 * One write-ahead call at a time through the full pipeline to the fsynced file sink, `{ intents }` policy (the
 * intent durable before the handler, the outcome synced with the next intent) and `'fsync'` (both durable
 * before the call returns); the reference first: a bare write of an intent-sized line + fdatasync.
 */
export async function buildDurableCases(dir: string): Promise<{ cases: CallCase[]; close(): Promise<void> }> {
  const intents = durableAuditGate(join(dir, 'intents.jsonl'), { intents: { maxLagMs: 20 } });
  const fsync = durableAuditGate(join(dir, 'fsync.jsonl'), 'fsync');
  const file = await open(join(dir, 'fdatasync.bin'), 'a');
  const line = Buffer.from(`${'x'.repeat(700)}\n`);
  const cases: CallCase[] = [
    {
      id: 'audit.durable.fdatasync',
      label: 'reference: write 700 bytes + fdatasync (no tollgate)',
      fn: async () => {
        writeSync(file.fd, line);
        await file.datasync();
      },
    },
    callCase(
      'audit.durable.intents',
      'full pipeline, write-ahead audit to a JSONL file, flush { intents } (one fdatasync per call)',
      intents.runner,
    ),
    callCase(
      'audit.durable.fsync',
      "full pipeline, write-ahead audit to a JSONL file, flush 'fsync' (intent and outcome each fdatasynced)",
      fsync.runner,
    ),
  ];
  return {
    cases,
    close: async () => {
      await file.close();
      await Promise.all([intents.sink.close(), fsync.sink.close()]);
    },
  };
}

/**
 * Measures `subject` against `reference` sample by sample, alternating one call of each after a warm-up, so
 * both see the same disk: fdatasync latency on a shared machine drifts by several times within a second.
 */
export async function measurePaired(reference: CallCase, subject: CallCase, options: MeasureOptions): Promise<Figure> {
  const until = (ms: number) => performance.now() + ms;
  for (const end = until(options.warmupMs); performance.now() < end; ) {
    await reference.fn();
    await subject.fn();
  }
  const ref: number[] = [];
  const sub: number[] = [];
  for (const end = until(options.timeMs); performance.now() < end || sub.length < 50; ) {
    let t0 = performance.now();
    await reference.fn();
    ref.push(performance.now() - t0);
    t0 = performance.now();
    await subject.fn();
    sub.push(performance.now() - t0);
  }
  const at = (xs: number[], q: number) =>
    xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]! * 1e3;
  const mean = sub.reduce((a, b) => a + b, 0) / sub.length;
  return {
    id: subject.id,
    label: subject.label,
    medianUs: at(sub, 0.5),
    p99Us: at(sub, 0.99),
    opsPerSec: 1e3 / mean,
    samples: sub.length,
    referenceUs: at(ref, 0.5),
  };
}

/** A case whose figure is only meaningful next to another measured right before it in the same process. */
export const PAIRED_WITH: Record<string, string> = {
  'audit.durable.intents': 'audit.durable.fdatasync',
  'audit.durable.fsync': 'audit.durable.fdatasync',
};
