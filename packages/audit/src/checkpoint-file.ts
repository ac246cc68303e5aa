import { type FileHandle, open, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Checkpoint, checkpointLine } from './checkpoint.js';
import type { CheckpointStore } from './checkpointer.js';

/** Where a JSONL audit file's checkpoints go by default: beside it, `<file>.checkpoints`. */
export function checkpointsPathOf(auditFile: string): string {
  return `${resolve(auditFile)}.checkpoints`;
}

/**
 * Appends checkpoints as JSON lines to a file, each written and fdatasynced before `write` resolves. Created with
 * mode `0600` on the first checkpoint.
 */
export class JsonlCheckpointStore implements CheckpointStore {
  /** Absolute path of the file. */
  readonly path: string;
  private readonly fileMode: number;
  private fh: Promise<FileHandle> | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  /** @param path the checkpoints file; @param options.fileMode permission bits for a new file (default `0o600`) */
  constructor(path: string, options: { fileMode?: number } = {}) {
    this.path = resolve(path);
    this.fileMode = options.fileMode ?? 0o600;
  }

  /** Appends one line and fdatasyncs it; writes are taken one at a time, in call order. */
  write(checkpoint: Checkpoint): Promise<void> {
    const run = this.tail.then(async () => {
      this.fh ??= open(this.path, 'a', this.fileMode).catch((err: unknown) => {
        this.fh = undefined;
        throw err;
      });
      const fh = await this.fh;
      await fh.write(`${checkpointLine(checkpoint)}\n`);
      await fh.datasync();
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Waits for pending writes and closes the file. */
  async close(): Promise<void> {
    await this.tail;
    const fh = this.fh;
    this.fh = undefined;
    if (fh) await (await fh).close();
  }
}

/**
 * Reads a checkpoints file's lines, for `verify`. A last line without its newline is a write cut short (its
 * checkpoint was never confirmed) and is left out. Rejects with the file system's error (ENOENT when missing).
 */
export async function readCheckpointLines(path: string): Promise<string[]> {
  const lines = (await readFile(path, 'utf8')).split('\n');
  lines.pop(); // after the last newline: empty, or a torn line
  return lines.filter((line) => line.trim() !== '');
}
