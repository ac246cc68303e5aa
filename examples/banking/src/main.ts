// pnpm demo [--verbose | --quiet | --json] [--audit <file>] [--adapter openai|ai-sdk]
// Replays the recorded AgentDojo banking episodes through tollgate; exits 0 when the targets are met.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { runDemo } from './demo.js';
import { formatReport, jsonReport } from './report.js';

const USAGE = `Usage: pnpm demo [--verbose | --quiet | --json] [--audit <file>] [--adapter openai|ai-sdk]
  --verbose       one line per episode with every call's verdict, instead of the table
  --quiet         the summary only
  --json          the full report as JSON on stdout
  --audit <file>  keep the audit file there (default: a temporary file, removed at the end)
  --adapter       the tool loop: openai (@tollgate/openai, default) or ai-sdk (Vercel AI SDK, @tollgate/ai-sdk)`;

let flags: { verbose?: boolean; quiet?: boolean; json?: boolean; audit?: string; adapter?: string; help?: boolean };
try {
  flags = parseArgs({
    options: {
      verbose: { type: 'boolean' },
      quiet: { type: 'boolean' },
      json: { type: 'boolean' },
      audit: { type: 'string' },
      adapter: { type: 'string', default: 'openai' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
} catch (err) {
  console.error(`${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (flags.adapter !== 'openai' && flags.adapter !== 'ai-sdk') {
  console.error(`--adapter must be openai or ai-sdk, got ${flags.adapter}\n${USAGE}`);
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

// Without --audit the file lives in a temporary directory of its own, removed when the demo ends.
const tempDir = flags.audit ? undefined : mkdtempSync(join(tmpdir(), 'tollgate-demo-'));
const auditFile = flags.audit ?? join(tempDir!, 'audit.jsonl');
const bar =
  process.stderr.isTTY && !flags.json
    ? new SingleBar(
        { stream: process.stderr, format: 'replaying {bar} {value}/{total} episodes', clearOnComplete: true },
        Presets.shades_classic,
      )
    : undefined;
// Without a terminal (CI logs, pipes), a line every few seconds instead of a bar.
const started = Date.now();
let lastLine = started;
const progressLine = (done: number, total: number) => {
  if (Date.now() - lastLine < 5_000) return;
  lastLine = Date.now();
  process.stderr.write(`replaying: ${done}/${total} episodes (${Math.round((lastLine - started) / 1000)} s)\n`);
};

try {
  const report = await runDemo({
    auditFile,
    adapter: flags.adapter as 'openai' | 'ai-sdk',
    onEpisode: (_outcome, done, total) => {
      if (!bar) return progressLine(done, total);
      if (done === 1) bar.start(total, 0);
      bar.update(done);
    },
  });
  bar?.stop();
  if (flags.json) console.log(JSON.stringify(jsonReport(report), null, 2));
  else console.log(formatReport(report, { verbose: flags.verbose, quiet: flags.quiet, kept: !tempDir }).join('\n'));
  const ok = report.summary.targetsMet && report.audit.verify.ok && report.problems.length === 0;
  process.exitCode = ok ? 0 : 1;
} catch (err) {
  bar?.stop();
  console.error(`The demo could not run: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
}
