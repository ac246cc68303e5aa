/** One problem Cedar reported with the policies or the schema. */
export interface CedarProblem {
  /** The policy's id (`@id` annotation or `policy<i>`), when the problem is in one. */
  policyId?: string;
  /** Cedar's message, with its help text when it has one. */
  message: string;
}

/**
 * Thrown by `new CedarGate()` when the schema does not parse, a policy does not parse, a policy fails schema
 * validation (strict mode), or an annotation the gate reads is malformed. Lists every problem Cedar reported.
 */
export class CedarPolicyError extends Error {
  override readonly name = 'CedarPolicyError';
  readonly problems: readonly CedarProblem[];

  constructor(what: string, problems: CedarProblem[]) {
    const list = problems.map((p) => `  - ${p.policyId ? `${p.policyId}: ` : ''}${p.message}`).join('\n');
    super(`${what}:\n${list}`);
    this.problems = problems;
  }
}

/** Cedar's error as one line: message, then help. */
export function problemText(error: { message: string; help?: string | null }): string {
  return error.help ? `${error.message} (${error.help})` : error.message;
}
