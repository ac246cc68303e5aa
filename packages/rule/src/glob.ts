/** Characters that mean something in a regular expression and must be escaped to stand for themselves. */
const REGEX_SYNTAX = /[\\^$.*+?()[\]{}|/]/;

/**
 * Compiles a glob over a whole name (tool, actor, tenant) into an anchored RegExp.
 * `*` matches any run of characters (also none), `?` exactly one character, `{a,b}` either alternative;
 * every other character stands for itself. There is no escape character and braces do not nest.
 * @throws SyntaxError for an unclosed `{`, a stray `}` or nested braces (rule files report it at load time)
 */
export function globToRegExp(glob: string): RegExp {
  let source = '^';
  let inBraces = false;
  for (const ch of glob) {
    if (ch === '*') source += '[^]*';
    else if (ch === '?') source += '.';
    else if (ch === '{') {
      if (inBraces) throw new SyntaxError(`glob "${glob}" nests "{"; braces do not nest`);
      inBraces = true;
      source += '(?:';
    } else if (ch === '}') {
      if (!inBraces) throw new SyntaxError(`glob "${glob}" has a "}" without "{"`);
      inBraces = false;
      source += ')';
    } else if (ch === ',' && inBraces) source += '|';
    else source += REGEX_SYNTAX.test(ch) ? `\\${ch}` : ch;
  }
  if (inBraces) throw new SyntaxError(`glob "${glob}" has an unclosed "{"`);
  // `u` so that `?` is one code point, not one UTF-16 unit; `s` so that it is any one, line breaks included.
  return new RegExp(`${source}$`, 'su');
}
