/** Where a command writes; `process.stdout`/`process.stderr` satisfy it, and so does a test's buffer. */
export interface OutputStream {
  /** Writes text; the return value is ignored. */
  write(chunk: string): unknown;
  /** True when a person is watching (a progress bar is drawn only then). */
  isTTY?: boolean;
  /** Terminal width in columns, when known. */
  columns?: number;
}

/** The streams and process facts a command uses, injected so `main` runs in-process in tests. */
export interface CliIo {
  /** Results: summaries, generated code, URLs. */
  stdout: OutputStream;
  /** Errors, progress and notes. */
  stderr: OutputStream;
  /** Directory relative paths resolve against (default `process.cwd()`). */
  cwd?: string;
  /** Aborted to stop a long-running command (`bighub-emulator`); `bin.ts` aborts it on SIGINT/SIGTERM. */
  signal?: AbortSignal;
}

/**
 * Exit codes of every command. 0: done, nothing wrong. 1: the command ran and found a problem
 * (`audit verify`: a bad record). 2: it could not run (usage error, missing file, bad policy module,
 * unreadable tools file). 3: `replay` finished but skipped malformed lines (each is reported with its line number).
 * 130: interrupted (Ctrl-C) before the end; `replay` still prints the summary of what it replayed.
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  skippedLines: 3,
  interrupted: 130,
} as const;

/** An error a command reports as one clear line on stderr, then exits with `exitCode`. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    /** One of {@link ExitCode}'s values. */
    readonly exitCode: number = ExitCode.usage,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The message of anything thrown. */

export { errorText } from '@tollgate/core';
