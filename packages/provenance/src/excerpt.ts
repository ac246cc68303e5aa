/** Characters of context on each side of a value in an excerpt. */
const CONTEXT = 70;

/**
 * About 160 characters of `text` around `[start, end)`, white space collapsed, with `…` where it was cut: what a
 * reviewer reads to see where a value came from.
 */
export function excerptAround(text: string, start: number, end: number): string {
  const from = Math.max(0, start - CONTEXT);
  const to = Math.min(text.length, end + CONTEXT);
  const body = text.slice(from, to).replace(/\s+/g, ' ').trim();
  return `${from > 0 ? '…' : ''}${body}${to < text.length ? '…' : ''}`;
}
