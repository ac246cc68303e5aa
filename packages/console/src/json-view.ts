import { html, type SafeHtml } from './html.js';

/** Strings longer than this are folded behind a `<details>` showing their start and length. */
const FOLD_CHARS = 160;

/**
 * Pretty JSON as HTML, every value escaped: the exact arguments a reviewer decides on, with long strings folded
 * (click to unfold) so a 5,000-character payload does not hide the field next to it.
 */
export function jsonView(value: unknown): SafeHtml {
  return html`<pre class="json">${walk(value, '')}</pre>`;
}

function walk(value: unknown, indent: string): SafeHtml {
  if (typeof value === 'string') {
    const quoted = JSON.stringify(value);
    if (quoted.length <= FOLD_CHARS) return html`<span class="s">${quoted}</span>`;
    return html`<details class="fold"><summary><span class="s">${quoted.slice(0, 80)}…</span> <span class="note">(${value.length} characters: show all)</span></summary><span class="s">${quoted}</span></details>`;
  }
  if (value === null || typeof value !== 'object')
    return html`<span class="v">${JSON.stringify(value) ?? 'null'}</span>`;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return html`[]`;
    const items = value.map((v, i) => html`\n${inner}${walk(v, inner)}${i < value.length - 1 ? ',' : ''}`);
    return html`[${items}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return html`{}`;
  const items = entries.map(
    ([k, v], i) =>
      html`\n${inner}<span class="k">${JSON.stringify(k)}</span>: ${walk(v, inner)}${i < entries.length - 1 ? ',' : ''}`,
  );
  return html`{${items}\n${indent}}`;
}
