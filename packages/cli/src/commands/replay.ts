import { createWriteStream, type WriteStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readInput } from '../files.js';
import { CliError, type CliIo, ExitCode, errorText } from '../io.js';
import { loadPolicy } from '../policy/load.js';
import { startProgress } from '../progress.js';
import { ComparisonBuilder, groupValue, renderComparison } from '../replay/compare.js';
import { ReplayEngine } from '../replay/engine.js';
import { renderSummary } from '../replay/render.js';
import { SummaryBuilder } from '../replay/summary.js';
import { indexTranscripts, type TranscriptIndex } from '../trace/agentdojo.js';
import { TraceIdCheck } from '../trace/ids.js';
import { type JsonlLine, parseJsonl } from '../trace/jsonl.js';
import { detectFormat, importEpisode, TRACE_FORMATS, type TraceFormat } from '../trace/read.js';

const YIELD_EVERY = 32;

/** Options of `tollgate replay`, as commander parses them. */
export interface ReplayCommandOptions {
  /** The policy module's path. */
  policy: string;
  /** Input format; detected from the first line when absent. */
  format?: string;
  /** AgentDojo transcripts file giving the recorded tool outputs. */
  transcripts?: string;
  /** Print the summary as JSON. */
  json?: boolean;
  /** Write one JSON line per call with its decision to this file. */
  out?: string;
  /** Stand-in reviewer that approves every approval. */
  approveAll?: boolean;
  /** Stand-in reviewer that denies every approval. */
  denyAll?: boolean;
  /** Replay clock step between calls without a recorded time (ms). */
  step?: string;
  /** Episode label to break the summary down by. */
  groupBy?: string;
  /** Hash-chained JSONL audit file recording every replayed call; it must not exist yet (written once, at the end). */
  audit?: string;
  /** More policy modules to replay the same episodes with, shown side by side with `policy` (`--compare`). */
  compare?: string[];
}

/**
 * `tollgate replay <episodes.jsonl> --policy <module>`: replays recorded tool calls through a policy and prints
 * a summary. Returns {@link ExitCode}.ok, or `skippedLines` when some lines could not be replayed.
 * Throws {@link CliError} (exit 2) for a missing file, a bad policy module, or bad options.
 */
export async function replayCommand(input: string, options: ReplayCommandOptions, io: CliIo): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  if (options.approveAll && options.denyAll) throw new CliError('--approve-all and --deny-all exclude each other');
  const format = options.format;
  if (format !== undefined && !(TRACE_FORMATS as readonly string[]).includes(format)) {
    throw new CliError(`--format must be one of ${TRACE_FORMATS.join(', ')} (got "${format}")`);
  }
  const stepMs = options.step === undefined ? undefined : Number(options.step);
  if (stepMs !== undefined && !(Number.isFinite(stepMs) && stepMs >= 0)) {
    throw new CliError(`--step must be a number of ms, 0 or more (got "${options.step}")`);
  }
  const lines = parseJsonl(await readInput(input, cwd, 'Input file'));
  const loaded = await loadPolicy(options.policy, cwd);
  const detected = (format as TraceFormat | undefined) ?? detectFormat(lines);
  if (!detected) {
    throw new CliError(
      `Cannot tell the format of ${input}: no line is an episode; pass --format (${TRACE_FORMATS.join(', ')})`,
    );
  }
  if (options.transcripts && detected !== 'agentdojo') {
    throw new CliError(`--transcripts goes with AgentDojo episodes; ${input} is in the ${detected} format`);
  }
  const summary = new SummaryBuilder(options.policy, detected, options.groupBy);
  for (const warning of loaded.warnings) summary.warn(warning);
  let transcripts: TranscriptIndex | undefined;
  if (options.transcripts) {
    const indexed = indexTranscripts(parseJsonl(await readInput(options.transcripts, cwd, 'Transcripts file')));
    transcripts = indexed.index;
    for (const p of indexed.problems) if (!p.ok) summary.skip(p.line, `in ${options.transcripts}: ${p.message}`);
  }
  const audit = options.audit ? await openAudit(resolve(cwd, options.audit)) : undefined;
  const engineOptions = {
    ...(options.approveAll ? { reviewer: 'approve' as const } : {}),
    ...(options.denyAll ? { reviewer: 'deny' as const } : {}),
    ...(stepMs !== undefined ? { stepMs } : {}),
  };
  const engine = new ReplayEngine(loaded, { ...engineOptions, ...(audit ? { extraGates: [audit.gate] } : {}) });
  const compare = await comparedPolicies(options, cwd, engineOptions);
  const out = options.out ? await openOut(resolve(cwd, options.out)) : undefined;
  const ids = new TraceIdCheck();
  const progress = startProgress(io.stderr, lines.length, 'replay');
  const started = performance.now();
  let interrupted = false;
  try {
    for (const [i, line] of lines.entries()) {
      // The gates resolve in microtasks; yield now and then so Ctrl-C and the progress bar get a turn.
      if (i % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((done) => setImmediate(done));
      if (io.signal?.aborted) {
        interrupted = true;
        break;
      }
      progress.tick();
      await replayLine(line, {
        format: detected,
        transcripts,
        engine,
        summary,
        out,
        groupBy: options.groupBy,
        compare,
        policy: options.policy,
        ids,
      });
    }
  } finally {
    progress.stop();
    if (out) await closeOut(out);
  }
  const unfed = engine.episodesWithoutProvenance;
  if (unfed > 0) {
    summary.warn(
      `${unfed} episode(s) record no tool output the model read, so the policy's ProvenanceGate saw no untrusted ` +
        'content in them and passed every value: give --transcripts <file> with AgentDojo episodes, or record ' +
        "each episode's provenance (docs/cli.md)",
    );
  }
  const audited = audit ? await audit.write() : 0;
  const result = summary.result(performance.now() - started);
  const comparison = compare?.builder.result();
  if (options.json) io.stdout.write(`${JSON.stringify(comparison ? { ...result, comparison } : result, null, 2)}\n`);
  else {
    io.stdout.write(renderSummary(result));
    if (comparison) io.stdout.write(`\nSide by side, on the same episodes:\n${renderComparison(comparison)}`);
  }
  if (audit) {
    const { failures, lastError } = audit.gate.stats();
    io.stderr.write(
      `Audit: ${audited} records written to ${options.audit}${failures ? `; ${failures} failed (${lastError})` : ''}; ` +
        `check them with: tollgate audit verify ${options.audit}\n`,
    );
  }
  if (interrupted) {
    io.stderr.write(`tollgate: interrupted; the summary covers the first ${result.episodes} episodes\n`);
    return ExitCode.interrupted;
  }
  return result.skipped.length > 0 ? ExitCode.skippedLines : ExitCode.ok;
}

/** What replaying one line needs. */
interface LineRun {
  format: TraceFormat;
  transcripts: TranscriptIndex | undefined;
  engine: ReplayEngine;
  summary: SummaryBuilder;
  out: WriteStream | undefined;
  groupBy: string | undefined;
  compare: Compared | undefined;
  policy: string;
  ids: TraceIdCheck;
}

/** The `--compare` policies' engines, and the table they fill with the replayed policy. */
interface Compared {
  engines: { name: string; engine: ReplayEngine }[];
  builder: ComparisonBuilder;
}

async function comparedPolicies(
  options: ReplayCommandOptions,
  cwd: string,
  engineOptions: ConstructorParameters<typeof ReplayEngine>[1],
): Promise<Compared | undefined> {
  if (!options.compare?.length) return undefined;
  const engines = [];
  for (const name of options.compare)
    engines.push({ name, engine: new ReplayEngine(await loadPolicy(name, cwd), engineOptions) });
  return { engines, builder: new ComparisonBuilder([options.policy, ...options.compare], options.groupBy) };
}

/** Replays one input line into the summary and `--out`; a line that cannot be replayed is counted as skipped. */
async function replayLine(line: JsonlLine, run: LineRun): Promise<void> {
  if (!line.ok) return run.summary.skip(line.line, line.message);
  const episode = importEpisode(run.format, line.value, line.line, run.transcripts);
  if (!episode.ok) return run.summary.skip(line.line, episode.message);
  for (const problem of run.ids.check(episode.value, line.line)) run.summary.warn(problem, line.line);
  const replayed = await run.engine.episode(episode.value);
  if (!replayed.ok) return run.summary.skip(line.line, replayed.message);
  const labels = episode.value.labels;
  run.summary.addEpisode(replayed.decisions, groupValue(labels, run.groupBy));
  if (run.compare) {
    run.compare.builder.add(run.policy, labels, replayed.decisions);
    for (const { name, engine } of run.compare.engines) {
      const other = await engine.episode(episode.value);
      if (other.ok) run.compare.builder.add(name, labels, other.decisions);
    }
  }
  if (run.out && replayed.decisions.length) {
    run.out.write(replayed.decisions.map((d) => `${JSON.stringify(d)}\n`).join(''));
  }
}

function openOut(file: string): Promise<WriteStream> {
  return new Promise((done, fail) => {
    const stream = createWriteStream(file);
    stream.once('open', () => done(stream));
    stream.once('error', (err) => fail(new CliError(`Cannot write --out file ${file}: ${err.message}`)));
  });
}

function closeOut(stream: WriteStream): Promise<void> {
  return new Promise((done, fail) => stream.end((err?: Error | null) => (err ? fail(err) : done())));
}

/**
 * An audit gate for the whole replay, named apart from any audit gate of the policy. Records are chained in
 * memory and written in one go at the end: the runner waits for each call's record, and a file append per call
 * would dominate the replay's time. The file must not exist yet, so an audit trail is never overwritten.
 */
async function openAudit(file: string) {
  if (
    await stat(file).then(
      () => true,
      () => false,
    )
  ) {
    throw new CliError(`Audit file ${file} exists; replay writes a new audit file, so name one that does not`);
  }
  const { AuditGate, MemorySink } = await import('@tollgate/audit');
  const sink = new MemorySink();
  return {
    gate: new AuditGate({ name: 'replay-audit', sink }),
    async write(): Promise<number> {
      await sink.close();
      const lines = sink.lines();
      await writeFile(file, lines.map((l) => `${l}\n`).join(''), { flag: 'wx', mode: 0o600 }).catch((err) => {
        throw new CliError(`Cannot write audit file ${file}: ${errorText(err)}`);
      });
      return lines.length;
    },
  };
}
