// pnpm demo [--verbose | --quiet | --json] [--audit <file>]
// Replays the recorded AgentDojo banking episodes through tollgate; exits 0 when the targets are met.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { runDemo } from './demo.js';
import { formatReport, jsonReport } from './report.js';

const USAGE = `Usage: pnpm demo [--verbose | --quiet | --json] [--audit <file>]
  --verbose       one line per episode with every call's verdict, instead of the table
  --quiet         the summary only
  --json          the full report as JSON on stdout
  --audit <file>  where to write the audit file (default: a new temporary directory)`;

let flags: { verbose?: boolean; quiet?: boolean; json?: boolean; audit?: string; help?: boolean };
try {
  flags = parseArgs({
    options: {
      verbose: { type: 'boolean' },
      quiet: { type: 'boolean' },
      json: { type: 'boolean' },
      audit: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
} catch (err) {
  console.error(`${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (flags.help) {
  console.log(USAGE);
  process.exit(0);
}

// `pnpm demo --json | head` closes stdout early; that is the reader's choice, not a failure.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
});

const auditFile = flags.audit ?? join(mkdtempSync(join(tmpdir(), 'tollgate-demo-')), 'audit.jsonl');
const bar =
  process.stderr.isTTY && !flags.json
    ? new SingleBar(
        { stream: process.stderr, format: 'replaying {bar} {value}/{total} episodes', clearOnComplete: true },
        Presets.shades_classic,
      )
    : undefined;

try {
  const report = await runDemo({
    auditFile,
    onEpisode: (_outcome, done, total) => {
      if (done === 1) bar?.start(total, 0);
      bar?.update(done);
    },
  });
  bar?.stop();
  if (flags.json) console.log(JSON.stringify(jsonReport(report), null, 2));
  else console.log(formatReport(report, { verbose: flags.verbose, quiet: flags.quiet }).join('\n'));
  const ok = report.summary.targetsMet && report.audit.verify.ok && report.problems.length === 0;
  process.exitCode = ok ? 0 : 1;
} catch (err) {
  bar?.stop();
  console.error(`The demo could not run: ${(err as Error).message}`);
  process.exitCode = 1;
}
