/**
 * Parses an RFC 6901 JSON Pointer into its reference tokens, unescaping `~1` to `/` and then `~0` to `~`
 * (in that order, as section 4 requires). `""` is the whole document.
 * @throws SyntaxError when the pointer does not start with `/` or holds a `~` not followed by `0` or `1`
 */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new SyntaxError(`JSON Pointer "${pointer}" must be "" or start with "/"`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~(?![01])/.test(token)) throw new SyntaxError(`JSON Pointer "${pointer}" has a "~" not followed by 0 or 1`);
      return token.replaceAll('~1', '/').replaceAll('~0', '~');
    });
}

/** Escapes one key as a JSON Pointer reference token (`~` → `~0`, `/` → `~1`). */
export function escapeJsonPointerToken(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/;

/**
 * Follows parsed reference tokens into a JSON value. Only own properties count (so `/constructor` never
 * reaches a prototype), array tokens must be canonical indexes (`0`, `12`; not `01` or `-`).
 * @returns the value found, or `undefined` when the pointer does not resolve
 */
export function resolveJsonPointer(document: unknown, tokens: readonly string[]): unknown {
  let current: unknown = document;
  for (const token of tokens) {
    if (Array.isArray(current)) {
      if (!ARRAY_INDEX.test(token)) return undefined;
      current = current[Number(token)];
    } else if (typeof current === 'object' && current !== null && Object.hasOwn(current, token)) {
      current = (current as Record<string, unknown>)[token];
    } else {
      return undefined;
    }
  }
  return current;
}
