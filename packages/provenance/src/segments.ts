import { escapeToken } from './pointer.js';

/** A text to index, and the JSON Pointer of the field it came from (none for plain text). */
export interface Part {
  field: string | undefined;
  text: string;
}

const MAX_DEPTH = 64;

/**
 * Splits content into the texts the index searches. A string is one text, unless it holds a JSON object or array;
 * an object or array gives one text per scalar field and per object key, each with its JSON Pointer.
 */
export function segmentsOf(content: unknown): { structured: boolean; parts: Part[] } {
  const value = typeof content === 'string' ? parsedJson(content) : content;
  if (typeof value !== 'object' || value === null) return { structured: false, parts: [plain(content)] };
  const parts: Part[] = [];
  walk(value, '', 0, new WeakSet(), parts);
  return { structured: true, parts };
}

function plain(content: unknown): Part {
  let text: string;
  try {
    text = typeof content === 'string' ? content : String(content ?? '');
  } catch {
    text = '';
  }
  return { field: undefined, text };
}

/** The JSON object or array a string holds, else the string itself. */
function parsedJson(text: string): unknown {
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function walk(value: unknown, pointer: string, depth: number, seen: WeakSet<object>, out: Part[]): void {
  if (value === null || value === undefined) return;
  if (typeof value !== 'object') {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') {
      out.push({ field: pointer, text: String(value) });
    }
    return;
  }
  if (value instanceof Date) {
    out.push({ field: pointer, text: Number.isNaN(value.getTime()) ? '' : value.toISOString() });
    return;
  }
  if (depth >= MAX_DEPTH || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) walk(item, `${pointer}/${i}`, depth + 1, seen, out);
    return;
  }
  for (const key of Object.keys(value)) {
    const at = `${pointer}/${escapeToken(key)}`;
    out.push({ field: at, text: key });
    let child: unknown;
    try {
      child = (value as Record<string, unknown>)[key];
    } catch {
      continue;
    }
    walk(child, at, depth + 1, seen, out);
  }
}
