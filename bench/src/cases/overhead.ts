// Per-call overhead: the bare handler, the runner alone, validation, each gate alone, the full pipeline.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { GatedToolRunner, type GateResult } from '@tollgate/core';
import {
  ARGS,
  budgetGate,
  CONTEXT,
  fileAuditGate,
  handler,
  memoryAuditGate,
  PARSED_ARGS,
  paymentRunner,
  rateGate,
  ruleGate,
  throttleGate,
} from '../fixtures.js';
import type { CallCase } from '../measure.js';
import { pipelineFloor } from './audit.js';

/** Fails the run when a measured call did not execute: a blocked call does less work and would flatter us. */
export function expectExecuted(r: GateResult): void {
  if (r.status !== 'executed') throw new Error(`expected executed, got ${r.status} (${r.reason}: ${r.message})`);
}

/** A case that calls `send_money` on `runner` and checks it ran. */
export function callCase(id: string, label: string, runner: GatedToolRunner, extra: Partial<CallCase> = {}): CallCase {
  return { id, label, fn: async () => expectExecuted(await runner.call('send_money', ARGS, CONTEXT)), ...extra };
}

/** The per-call cases (the bare handler first) and a function closing their files; `dir` receives the JSONL files. */
export async function buildOverheadCases(dir: string): Promise<{ cases: CallCase[]; close(): Promise<void> }> {
  const noSchema = new GatedToolRunner({
    tools: [{ name: 'send_money', parameters: { type: 'object' }, handler }],
  });
  const auditMemoryAlone = memoryAuditGate();
  const auditFileAlone = fileAuditGate(join(dir, 'alone.jsonl'));
  const fullMemory = memoryAuditGate();
  const full = memoryAuditGate();
  const fullFile = fileAuditGate(join(dir, 'full.jsonl'));
  const emptySinks = () => {
    for (const a of [auditMemoryAlone, fullMemory, full]) a.sink.records.length = 0;
  };
  const fsyncFile = await open(join(dir, 'fdatasync.bin'), 'a');
  const line = Buffer.from(`${'x'.repeat(600)}\n`);

  const cases: CallCase[] = [
    { id: 'overhead.bare', label: 'bare handler call', fn: async () => handler(PARSED_ARGS) },
    callCase('overhead.runner', 'runner, no gates, schema `{type: object}`', noSchema),
    callCase('overhead.validation', 'runner + validation (payment schema)', paymentRunner([])),
    callCase('overhead.rate', 'validation + rate (memory store)', paymentRunner([rateGate()])),
    callCase('overhead.budget', 'validation + budget (memory store)', paymentRunner([budgetGate()])),
    callCase('overhead.rule', 'validation + rule (5 JSON rules, default-deny, scope)', paymentRunner([ruleGate()])),
    callCase('overhead.audit-memory', 'validation + audit (memory sink)', paymentRunner([auditMemoryAlone.gate]), {
      afterAll: emptySinks,
    }),
    callCase('overhead.audit-file', 'validation + audit (JSONL file, fsync)', paymentRunner([auditFileAlone.gate])),
    callCase(
      'overhead.no-audit',
      'validation, rate, budget and rule (the full pipeline without its audit gates)',
      paymentRunner([rateGate(), budgetGate(), ruleGate()]),
    ),
    callCase(
      'overhead.full-memory',
      'full in-memory pipeline, audit to memory (validation, rate, budget, rule, audit)',
      paymentRunner([rateGate(), budgetGate(), ruleGate(), fullMemory.gate]),
      { afterAll: emptySinks },
    ),
    callCase(
      'overhead.full',
      'full in-memory pipeline, audit to memory AND a JSONL file',
      paymentRunner([rateGate(), budgetGate(), ruleGate(), full.gate, fullFile.gate]),
      { afterAll: emptySinks },
    ),
    {
      id: 'overhead.fdatasync',
      label: 'reference: append 600 bytes + fdatasync (no tollgate)',
      fn: async () => {
        await fsyncFile.write(line);
        await fsyncFile.datasync();
      },
    },
    {
      id: 'overhead.floor',
      label:
        'floor of the full pipeline: parse + validate the arguments, a counter, an integer add, JSON.stringify + SHA-256 of its audit record',
      fn: await pipelineFloor([rateGate(), budgetGate(), ruleGate()]),
    },
    callCase('overhead.throttle', 'validation + throttle (Bottleneck, local)', paymentRunner([throttleGate()])),
  ];
  return {
    cases,
    close: async () => {
      await fsyncFile.close();
      await Promise.all([auditFileAlone.sink.close(), fullFile.sink.close()]);
    },
  };
}
