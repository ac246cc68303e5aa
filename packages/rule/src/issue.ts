/** Internal: a problem found while compiling one value, turned into a {@link RuleLoadError} by the loader. */
export class RuleIssue extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}
