import { RE2JS } from 're2js';

/** A compiled glob over a whole name. */
export interface Glob {
  /** The glob as written. */
  readonly source: string;
  /** True when the glob matches the whole of `name`; linear time in `name`'s length, whatever the glob. */
  test(name: string): boolean;
}

/** Characters that mean something in an RE2 expression and must be escaped to stand for themselves. */
const RE2_SYNTAX = /[\\^$.*+?()[\]{}|]/;

/**
 * Compiles a glob over a whole name (tool, actor, tenant). `*` matches any run of characters (also none), `?`
 * exactly one character (one code point, a line break too), `{a,b}` either alternative; every other character
 * stands for itself. There is no escape character and braces do not nest.
 *
 * Names often come from the model or the caller, so matching runs on RE2 (re2js), which takes time linear in the
 * name's length: a backtracking engine took 10 s for `svc-*-*-*-prod` against a 3,004-character actor.
 * @throws SyntaxError for an unclosed `{`, a stray `}` or nested braces (rule files report it at load time)
 */
export function compileGlob(glob: string): Glob {
  // Most globs are plain names: string equality is the same match, about ten times faster than re2js.
  if (!/[*?{}]/.test(glob)) return { source: glob, test: (name) => name === glob };
  let source = '';
  let inBraces = false;
  for (const ch of glob) {
    if (ch === '*') source += '(?s:.*)';
    else if (ch === '?') source += '(?s:.)';
    else if (ch === '{') {
      if (inBraces) throw new SyntaxError(`glob "${glob}" nests "{"; braces do not nest`);
      inBraces = true;
      source += '(?:';
    } else if (ch === '}') {
      if (!inBraces) throw new SyntaxError(`glob "${glob}" has a "}" without "{"`);
      inBraces = false;
      source += ')';
    } else if (ch === ',' && inBraces) source += '|';
    else source += RE2_SYNTAX.test(ch) ? `\\${ch}` : ch;
  }
  if (inBraces) throw new SyntaxError(`glob "${glob}" has an unclosed "{"`);
  const re2 = RE2JS.compile(source);
  return { source: glob, test: (name) => re2.testExact(name) };
}
