import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AuditGate, type AuditSink } from '@tollgate/audit';
import { GatedToolRunner } from '@tollgate/core';
import { connectTestPostgres, dropSchema, testSchema } from '@tollgate/test-utils';
import type pg from 'pg';
import { afterAll } from 'vitest';
import { migrate } from '../src/index.js';

/** The package directory: workers run from here so workspace packages resolve to their TypeScript source. */
export const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** What {@link usePostgres} gives a test file. */
export interface TestPostgres {
  /** A pool on the test database, or undefined when it does not answer (skip the file's tests with it). */
  pool: pg.Pool | undefined;
  /** A fresh, migrated schema, dropped after the file. */
  schema(label?: string): Promise<string>;
}

/** The test PostgreSQL for one file, with fresh migrated schemas dropped (and the pool ended) after it. */
export async function usePostgres(name: string): Promise<TestPostgres> {
  const pool = await connectTestPostgres();
  const schemas: string[] = [];
  afterAll(async () => {
    if (!pool) return;
    for (const s of schemas) await dropSchema(pool, s);
    await pool.end();
  });
  return {
    pool,
    async schema(label = name) {
      const s = testSchema(label);
      schemas.push(s);
      await migrate(pool!, { schema: s });
      return s;
    },
  };
}

/** A runner with a write-ahead audit gate on `sink` and a `pay` tool that calls `onRun` with each call id. */
export function auditedRunner(sink: AuditSink, onRun: (callId: string) => void | Promise<void> = () => undefined) {
  return new GatedToolRunner({
    gates: [new AuditGate({ sink, writeAhead: true })],
    tools: [
      {
        name: 'pay',
        parameters: {
          type: 'object',
          properties: { amount: { type: 'number' }, to: { type: 'string' } },
          required: ['amount', 'to'],
        },
        handler: async (args, ctx) => {
          await onRun(ctx.callId);
          return { paid: (args as { amount: number }).amount };
        },
      },
    ],
  });
}

/** Starts `node --conditions=@tollgate/source --import tsx <file>` in the package directory. */
export function startNode(file: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--conditions=@tollgate/source', '--import', 'tsx', file], {
    cwd: packageDir,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}
