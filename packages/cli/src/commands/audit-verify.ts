import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type ChainHead, verify } from '@tollgate/audit';
import { CliError, type CliIo, ExitCode, errorText } from '../io.js';

/** Options of `tollgate audit verify`. */
export interface AuditVerifyOptions {
  /** `<seq>:<hash>` kept outside the file; without it, cutting records off the end goes unnoticed. */
  anchor?: string;
  /** Print @tollgate/audit's `VerifyResult` as JSON. */
  json?: boolean;
}

/**
 * `tollgate audit verify <file>`: checks a hash-chained JSONL audit file with @tollgate/audit's `verify`
 * (hashes, seq order, links, torn tail, optional anchor). Returns 0 when every record verifies and 1 naming the
 * first bad record (line, seq, kind); throws {@link CliError} (exit 2) for a missing file or a bad `--anchor`.
 */
export async function auditVerifyCommand(input: string, options: AuditVerifyOptions, io: CliIo): Promise<number> {
  const file = resolve(io.cwd ?? process.cwd(), input);
  const info = await stat(file).catch(() => undefined);
  if (!info) throw new CliError(`Audit file not found: ${file}`);
  if (!info.isFile()) throw new CliError(`Audit file is not a file: ${file}`);
  const anchor = options.anchor === undefined ? undefined : parseAnchor(options.anchor);
  const result = await verify(file, anchor ? { anchor } : {}).catch((err) => {
    throw new CliError(`Cannot read audit file ${file}: ${errorText(err)}`);
  });
  if (options.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else if (result.ok) {
    io.stdout.write(
      `OK ${file}: ${result.records} records verified; head seq ${result.head.seq} ${result.head.hash}\n`,
    );
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

function parseAnchor(text: string): ChainHead {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(text);
  if (!m) throw new CliError(`--anchor must be <seq>:<sha256 hex> (got "${text}")`);
  return { seq: Number(m[1]), hash: m[2]! };
}
