import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CliError, ExitCode, errorText } from './io.js';

/** Reads a text file the user named, or throws a {@link CliError} saying which file and why. */
export async function readInput(path: string, cwd: string, what: string): Promise<string> {
  const file = resolve(cwd, path);
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT') throw new CliError(`${what} not found: ${file}`);
    if (code === 'EISDIR') throw new CliError(`${what} is a directory, not a file: ${file}`);
    throw new CliError(`Cannot read ${what.toLowerCase()} ${file}: ${errorText(err)}`);
  }
}

/** Reads and parses a JSON file the user named; a {@link CliError} names the file when it is missing or not JSON. */
export async function readJsonInput(path: string, cwd: string, what: string): Promise<unknown> {
  const text = await readInput(path, cwd, what);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${what} ${path} is not valid JSON: ${errorText(err)}`, ExitCode.usage, { cause: err });
  }
}
