import type { CheckpointReport } from '@tollgate/audit';

/** The line `audit verify` prints for what signed checkpoints proved (file or PostgreSQL chain). */
export function checkpointReportLine(signed: CheckpointReport): string {
  const unsigned = signed.unsigned > 0 ? `; ${signed.unsigned} records after it not signed yet` : '';
  return (
    `${signed.verified} signed checkpoints verified (keys ${signed.keyIds.join(', ')}); complete and original ` +
    `up to seq ${signed.lastSeq}${unsigned}\n`
  );
}
