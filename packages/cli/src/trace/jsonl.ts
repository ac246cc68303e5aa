import { errorText } from '../io.js';

/** One non-blank line of a JSONL file: its parsed value, or why it did not parse. */
export type JsonlLine = { line: number; ok: true; value: unknown } | { line: number; ok: false; message: string };

/**
 * Splits JSONL text into parsed lines, numbered from 1 as an editor shows them. Blank lines are skipped;
 * a line that is not JSON is returned with its parse error, never thrown, so one bad line stops nothing.
 */
export function parseJsonl(text: string): JsonlLine[] {
  const out: JsonlLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    try {
      out.push({ line: i + 1, ok: true, value: JSON.parse(raw) });
    } catch (err) {
      out.push({ line: i + 1, ok: false, message: `not valid JSON (${errorText(err)})` });
    }
  }
  return out;
}
