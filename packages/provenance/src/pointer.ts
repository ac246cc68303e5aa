/** One key as a JSON Pointer reference token (RFC 6901: `~` → `~0`, `/` → `~1`). */
export const escapeToken = (key: string): string => key.replaceAll('~', '~0').replaceAll('/', '~1');

/** A reference token back to its key (`~1` → `/` first, then `~0` → `~`, as RFC 6901 §4 requires). */
export const unescapeToken = (token: string): string => token.replaceAll('~1', '/').replaceAll('~0', '~');
