/** One problem found in a rules document. */
export interface RuleLoadIssue {
  /** JSON Pointer (RFC 6901) to the offending value in the document, e.g. `/rules/2/when/all/1/op`. */
  path: string;
  /** What is wrong there. */
  message: string;
}

/**
 * Thrown at load time (by {@link loadRules}, {@link loadRulesFile}, {@link RuleGate.fromFile} and the
 * {@link RuleGate} constructor) for a rule that could never be evaluated correctly: a schema violation, an
 * invalid regex or glob, a duplicate id, a malformed predicate rule, an unreadable or non-JSON file.
 * A rule never fails at call time for these reasons.
 */
export class RuleLoadError extends Error {
  override readonly name = 'RuleLoadError';
  /** JSON Pointer to the first problem (`''` for the whole document, e.g. a file that is not JSON). */
  readonly path: string;
  /** The file the rules came from, when loaded from one. */
  readonly file: string | undefined;
  /** Every problem found, first one first. */
  readonly issues: readonly RuleLoadIssue[];

  constructor(issues: readonly RuleLoadIssue[], options: { file?: string; cause?: unknown } = {}) {
    const first = issues[0] ?? { path: '', message: 'invalid rules' };
    const where = options.file ? `${options.file}#${first.path}` : first.path || '(root)';
    const more =
      issues.length > 1 ? ` (and ${issues.length - 1} more: ${issues.slice(1).map(describe).join('; ')})` : '';
    super(`Invalid rules at ${where}: ${first.message}${more}`, { cause: options.cause });
    this.path = first.path;
    this.file = options.file;
    this.issues = issues;
  }
}

function describe(issue: RuleLoadIssue): string {
  return `${issue.path || '(root)'}: ${issue.message}`;
}
