// Shared by the multi-process test and its workers.

/** Points per window of the shared rate limit. */
export const LIMIT_POINTS = 1_000;
/** The shared budget, and what each `spend` call costs: exactly 3,333 calls fit, 0.10 at a time. */
export const BUDGET_MAX = '333.30';
export const CALL_COST = '0.10';

/** What a worker prints: results per tool, by reason code, and how many calls threw (must be 0). */
export interface WorkerReport {
  limited: Record<string, number>;
  spend: Record<string, number>;
  thrown: number;
}
