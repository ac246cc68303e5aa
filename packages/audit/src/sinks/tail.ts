import type { FileHandle } from 'node:fs/promises';

/** What the end of a JSONL file holds. */
export interface FileTail {
  /** The last newline-terminated line, without its newline (absent when the file has none). */
  lastLine?: string;
  /** Byte offset where an unterminated last line starts (a write torn by a crash), if there is one. */
  tornAt?: number;
}

const FIRST_CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

/** Reads backwards from the end of a file only as far as needed to find its last complete line. */
export async function readTail(fh: FileHandle, size: number): Promise<FileTail> {
  let start = size;
  let buf = Buffer.alloc(0);
  let chunk = FIRST_CHUNK;
  while (start > 0) {
    const from = Math.max(0, start - chunk);
    const part = Buffer.alloc(start - from);
    await fh.read(part, 0, part.length, from);
    buf = Buffer.concat([part, buf]);
    start = from;
    const tail = analyze(buf, start);
    if (tail) return tail;
    chunk *= 2;
  }
  return {};
}

/** The tail, or undefined when `buf` (which starts at file offset `base`) does not reach back far enough. */
function analyze(buf: Buffer, base: number): FileTail | undefined {
  const atStart = base === 0;
  const lastNl = buf.lastIndexOf(NEWLINE);
  if (lastNl === -1) return atStart ? (buf.length > 0 ? { tornAt: 0 } : {}) : undefined;
  const tornAt = lastNl === buf.length - 1 ? undefined : base + lastNl + 1;
  const prevNl = lastNl === 0 ? -1 : buf.lastIndexOf(NEWLINE, lastNl - 1);
  if (prevNl === -1 && !atStart) return undefined;
  const lastLine = buf.subarray(prevNl + 1, lastNl).toString('utf8');
  return tornAt === undefined ? { lastLine } : { lastLine, tornAt };
}
