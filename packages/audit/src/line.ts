/** Parses a JSONL line that must hold one object; `undefined` when it is not JSON or not an object. */
export function parseObjectLine(line: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** A SHA-256 in lower-case hex, as records and checkpoints carry. */
export function isHash(v: unknown): v is string {
  return typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
}
