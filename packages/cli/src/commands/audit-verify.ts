import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  type ChainHead,
  checkpointsPathOf,
  KeyRing,
  readCheckpointLines,
  type VerifyingKey,
  type VerifyOptions,
  verify,
} from '@tollgate/audit';
import { CliError, type CliIo, ExitCode, errorText } from '../io.js';
import { checkpointReportLine } from './checkpoint-report.js';

/** Options of `tollgate audit verify`. */
export interface AuditVerifyOptions {
  /** `<seq>:<hash>` kept outside the file; without it, cutting records off the end goes unnoticed. */
  anchor?: string;
  /** Print @tollgate/audit's `VerifyResult` as JSON. */
  json?: boolean;
  /** PEM files of the public keys whose checkpoints are accepted, each `<file>` or `<key id>=<file>`. */
  publicKey?: string[];
  /** The checkpoints file (default `<file>.checkpoints`); needs `publicKey`. */
  checkpoints?: string;
  /** Verify the chain in this PostgreSQL database instead of a file (`@tollgate/audit-postgres`). */
  postgres?: string;
  /** With `postgres`: the schema of the audit tables (default `tollgate_audit`). */
  schema?: string;
  /** With `postgres`: the first and last seq to check. */
  from?: string;
  to?: string;
}

/**
 * `tollgate audit verify <file>`: checks a hash-chained JSONL audit file with @tollgate/audit's `verify`
 * (hashes, seq order, links, torn tail, optional anchor). Returns 0 when every record verifies and 1 naming the
 * first bad record (line, seq, kind). With `--public-key`, the signed checkpoints must verify and the chain must
 * match each and reach the last (records cut off the end, a chain recomputed without the key). With `--postgres`
 * it verifies the chain in that database instead (see `auditVerifyPostgres`). Throws {@link CliError} (exit 2) for
 * a missing file, a bad `--anchor`, an unreadable key or checkpoints file.
 */
export async function auditVerifyCommand(
  input: string | undefined,
  options: AuditVerifyOptions,
  io: CliIo,
): Promise<number> {
  if (options.postgres !== undefined) {
    if (input !== undefined) throw new CliError('give an audit file or --postgres, not both');
    if (!options.publicKey?.length !== (options.checkpoints === undefined)) {
      throw new CliError('with --postgres, --public-key and --checkpoints <file> go together');
    }
    let signed: { checkpoints: string[]; publicKeys: KeyRing } | undefined;
    if (options.publicKey?.length) {
      const path = resolve(io.cwd ?? process.cwd(), options.checkpoints!);
      const checkpoints = await readCheckpointLines(path).catch((err) => {
        throw new CliError(`Cannot read checkpoints file ${path}: ${errorText(err)}`);
      });
      signed = { checkpoints, publicKeys: await loadKeys(options.publicKey, io) };
    }
    const { auditVerifyPostgres } = await import('./audit-postgres.js');
    const anchor = options.anchor === undefined ? undefined : parseAnchor(options.anchor);
    return auditVerifyPostgres(
      {
        ...(signed ? { signed } : {}),
        postgres: options.postgres,
        schema: options.schema ?? 'tollgate_audit',
        ...(options.from === undefined ? {} : { from: options.from }),
        ...(options.to === undefined ? {} : { to: options.to }),
        ...(anchor ? { anchor } : {}),
        ...(options.json ? { json: true } : {}),
      },
      io,
    );
  }
  if (input === undefined) throw new CliError('give an audit file, or --postgres <url> for a PostgreSQL chain');
  if (options.from !== undefined || options.to !== undefined) throw new CliError('--from and --to need --postgres');
  const file = resolve(io.cwd ?? process.cwd(), input);
  const info = await stat(file).catch(() => undefined);
  if (!info) throw new CliError(`Audit file not found: ${file}`);
  if (!info.isFile()) throw new CliError(`Audit file is not a file: ${file}`);
  const verifyOptions: VerifyOptions = {};
  if (options.anchor !== undefined) verifyOptions.anchor = parseAnchor(options.anchor);
  if (options.checkpoints !== undefined && !options.publicKey?.length) {
    throw new CliError('--checkpoints needs --public-key: checkpoints prove nothing without the key that signed them');
  }
  if (options.publicKey?.length) {
    verifyOptions.publicKeys = await loadKeys(options.publicKey, io);
    const checkpoints =
      options.checkpoints === undefined
        ? checkpointsPathOf(file)
        : resolve(io.cwd ?? process.cwd(), options.checkpoints);
    verifyOptions.checkpoints = await readCheckpointLines(checkpoints).catch((err) => {
      throw new CliError(`Cannot read checkpoints file ${checkpoints}: ${errorText(err)}`);
    });
  }
  const result = await verify(file, verifyOptions).catch((err) => {
    throw new CliError(`Cannot read audit file ${file}: ${errorText(err)}`);
  });
  if (options.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else if (result.ok) {
    io.stdout.write(
      `OK ${file}: ${result.records} records verified; head seq ${result.head.seq} ${result.head.hash}\n`,
    );
    const signed = result.checkpoints;
    if (signed) {
      io.stdout.write(checkpointReportLine(signed));
    }
  } else if (result.firstBad!.kind === 'checkpoint_invalid') {
    io.stdout.write(`FAILED ${file}: checkpoint_invalid: ${result.firstBad!.message}\n`);
  } else {
    const bad = result.firstBad!;
    const seq = bad.seq === undefined ? `expected seq ${bad.expectedSeq}` : `seq ${bad.seq}`;
    io.stdout.write(
      `FAILED ${file}: first bad record at line ${bad.line} (${seq}): ${bad.kind}: ${bad.message}\n` +
        `${result.records} records verified before it; last good seq ${result.head.seq}\n`,
    );
  }
  return result.ok ? ExitCode.ok : ExitCode.failed;
}

/** Reads `--public-key` files: `<file>` (id: the key's fingerprint) or `<key id>=<file>`. */
async function loadKeys(specs: string[], io: CliIo): Promise<KeyRing> {
  const keys: VerifyingKey[] = [];
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const id = eq > 0 ? spec.slice(0, eq) : undefined;
    const path = resolve(io.cwd ?? process.cwd(), eq > 0 ? spec.slice(eq + 1) : spec);
    const pem = await readFile(path, 'utf8').catch((err) => {
      throw new CliError(`Cannot read public key ${path}: ${errorText(err)}`);
    });
    keys.push(id === undefined ? pem : { id, publicKey: pem });
  }
  try {
    return new KeyRing(keys);
  } catch (err) {
    throw new CliError(`--public-key: ${errorText(err)}`);
  }
}

function parseAnchor(text: string): ChainHead {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(text);
  if (!m) throw new CliError(`--anchor must be <seq>:<sha256 hex> (got "${text}")`);
  return { seq: Number(m[1]), hash: m[2]! };
}
