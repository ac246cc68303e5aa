import type { ChainHead, KeyRing } from '@tollgate/audit';
import {
  createPool,
  migrate,
  type PgPool,
  type PostgresVerifyOptions,
  type PostgresVerifyResult,
  verifyPostgres,
} from '@tollgate/audit-postgres';
import { CliError, type CliIo, ExitCode, errorText } from '../io.js';
import { checkpointReportLine } from './checkpoint-report.js';

/** Options of `tollgate audit migrate`. */
export interface AuditMigrateOptions {
  /** `postgres://…` */
  postgres: string;
  /** Schema of the audit tables. */
  schema: string;
}

/** Options of `tollgate audit verify --postgres`. */
export interface PostgresVerifyCliOptions {
  postgres: string;
  schema: string;
  from?: string;
  to?: string;
  anchor?: ChainHead;
  json?: boolean;
  /** Signed checkpoints (JSONL lines) and the keys whose signatures count. */
  signed?: { checkpoints: string[]; publicKeys: KeyRing };
}

/** Runs `work` on a pool for `url`, ended afterwards; a connection failure is one line (exit 2). */
async function withPool<T>(url: string, work: (pool: PgPool) => Promise<T>): Promise<T> {
  const pool = createPool(url, { max: 1, connectionTimeoutMs: 10_000, queryTimeoutMs: 60_000 });
  try {
    return await work(pool);
  } catch (err) {
    if (err instanceof CliError || err instanceof TypeError) throw new CliError(errorText(err));
    throw new CliError(`PostgreSQL at ${redactUrl(url)}: ${errorText(err)}`);
  } finally {
    await pool.end().catch(() => undefined);
  }
}

/** `tollgate audit migrate --postgres URL`: applies @tollgate/audit-postgres's migrations; 0 when done. */
export async function auditMigrateCommand(options: AuditMigrateOptions, io: CliIo): Promise<number> {
  const report = await withPool(options.postgres, (pool) => migrate(pool, { schema: options.schema }));
  io.stdout.write(
    report.applied.length === 0
      ? `OK schema ${options.schema} is at version ${report.version}; nothing to apply\n`
      : `OK schema ${options.schema} migrated to version ${report.version} (applied ${report.applied.join(', ')})\n`,
  );
  return ExitCode.ok;
}

/**
 * `tollgate audit verify --postgres URL`: streams the chain with `verifyPostgres`; 0 when intact, 1 naming the
 * first bad row (seq, kind); throws {@link CliError} (exit 2) when the database cannot be read or for a bad range.
 */
export async function auditVerifyPostgres(options: PostgresVerifyCliOptions, io: CliIo): Promise<number> {
  const verifyOptions: PostgresVerifyOptions = { schema: options.schema };
  if (options.from !== undefined) verifyOptions.from = seqOption('--from', options.from);
  if (options.to !== undefined) verifyOptions.to = seqOption('--to', options.to);
  if (options.anchor) verifyOptions.anchor = options.anchor;
  if (options.signed) verifyOptions.checkpoints = options.signed;
  const result: PostgresVerifyResult = await withPool(options.postgres, async (pool) => {
    const { rows } = await pool.query('SELECT to_regclass($1) AS t', [`"${options.schema}".audit_records`]);
    if (rows[0]?.t === null) {
      throw new CliError(`no audit tables in schema ${options.schema}: run tollgate audit migrate first`);
    }
    return verifyPostgres(pool, verifyOptions);
  });
  const where = `${redactUrl(options.postgres)} schema ${options.schema}`;
  if (options.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else if (result.ok) {
    io.stdout.write(
      `OK ${where}: ${result.records} records verified from seq ${result.from}; head seq ${result.head.seq} ${result.head.hash}\n`,
    );
    const signed = result.checkpoints;
    if (signed) {
      io.stdout.write(checkpointReportLine(signed));
    }
  } else {
    const bad = result.firstBad!;
    io.stdout.write(
      `FAILED ${where}: first bad record at seq ${bad.seq} (expected seq ${bad.expectedSeq}): ${bad.kind}: ${bad.message}\n` +
        `${result.records} records verified before it; last good seq ${result.head.seq}\n`,
    );
  }
  return result.ok ? ExitCode.ok : ExitCode.failed;
}

function seqOption(name: string, text: string): number {
  if (!/^[1-9]\d*$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new CliError(`${name} must be a positive integer (got "${text}")`);
  }
  return Number(text);
}

/** The URL without its password, for messages. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(the --postgres URL)';
  }
}
