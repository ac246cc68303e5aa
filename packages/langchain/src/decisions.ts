import type { ActionRequest, DecisionType, HITLRequest, ReviewConfig } from 'langchain';

/** A pending call as the interrupt shows it: LangChain's `ActionRequest` plus the tollgate approval it waits for. */
export interface TollgateActionRequest extends ActionRequest {
  /** The approval in tollgate's store (`apr_…`). */
  approvalId: string;
  /** The model's tool call id. */
  callId: string;
  /** The asking gate's reason code (`large_payment`). */
  reason: string;
  /** When the approval expires, ms since the epoch; a decision after that is refused. */
  expiresAt: number;
}

/**
 * The value the middleware interrupts with: LangChain's `HITLRequest` (what `humanInTheLoopMiddleware` sends, so the
 * same review UI works), each action naming its tollgate approval.
 */
export interface TollgateInterrupt extends HITLRequest {
  actionRequests: TollgateActionRequest[];
  reviewConfigs: ReviewConfig[];
  /** Set when this interrupt asks again: what was wrong with the previous resume value. */
  problem?: string;
}

/** Who decided, and (optionally) which approval the decision is for; it must be the pending one. */
interface DecisionBase {
  /** Who decided (recorded in the approval); falls back to the middleware's `approver`. */
  by?: string;
  /** The approval this decision is for; when given, a decision for another one is refused (nothing runs). */
  approvalId?: string;
}

/** Run the call as asked. */
export interface ApproveDecision extends DecisionBase {
  type: 'approve';
  /** The approver's comment, stored with the approval. */
  comment?: string;
}

/** Do not run it; `message` (default: tollgate's denial) is what the model reads. */
export interface RejectDecision extends DecisionBase {
  type: 'reject';
  message?: string;
}

/** Run something else instead: a new call, checked by every gate again (it may be blocked or need approval). */
export interface EditDecision extends DecisionBase {
  type: 'edit';
  editedAction: { name: string; args: Record<string, unknown> };
}

/** One decision, for the action at the same position in the interrupt: LangChain's `Decision` shapes. */
export type TollgateDecision = ApproveDecision | RejectDecision | EditDecision;

/** What `Command({ resume })` carries back: LangChain's `HITLResponse`. */
export interface TollgateResume {
  decisions: TollgateDecision[];
}

/** A resume value that does not fit the interrupt (the middleware asks again, naming the problem). */
export class ResumeDecisionError extends TypeError {
  override readonly name = 'ResumeDecisionError';
}

/**
 * Checks a resume value against the interrupt it answers: one decision per action, each of an allowed type and shape.
 * @throws {ResumeDecisionError} naming the decision and what is wrong
 */
export function parseResume(
  value: unknown,
  actions: readonly TollgateActionRequest[],
  allowed: readonly DecisionType[],
  approver: string | undefined,
): (TollgateDecision & { by: string })[] {
  const decisions = (value as { decisions?: unknown } | null | undefined)?.decisions;
  if (!Array.isArray(decisions) || decisions.length !== actions.length) {
    throw new ResumeDecisionError(
      `Resume with { decisions: [...] }, one decision per pending call (${actions.length}), in the interrupt's order.`,
    );
  }
  return decisions.map((raw: unknown, i) => {
    const d = raw as {
      type?: unknown;
      by?: string;
      approvalId?: unknown;
      comment?: unknown;
      message?: unknown;
      editedAction?: { name?: unknown; args?: unknown };
    } | null;
    const action = actions[i]!;
    const where = `Decision ${i} (${action.name}, approval ${action.approvalId})`;
    if (typeof d !== 'object' || d === null || !allowed.includes(d.type as DecisionType)) {
      throw new ResumeDecisionError(`${where} must have type ${allowed.map((t) => `"${t}"`).join(', ')}.`);
    }
    const by = d.by ?? approver;
    if (typeof by !== 'string' || by === '') {
      throw new ResumeDecisionError(`${where} needs \`by\`: who decided (or set the middleware's \`approver\`).`);
    }
    for (const key of ['approvalId', 'comment', 'message'] as const) {
      if (d[key] !== undefined && typeof d[key] !== 'string')
        throw new ResumeDecisionError(`${where}: ${key} must be a string.`);
    }
    if (d.type === 'edit') {
      const edited = d.editedAction;
      if (
        typeof edited?.name !== 'string' ||
        typeof edited.args !== 'object' ||
        edited.args === null ||
        Array.isArray(edited.args)
      ) {
        throw new ResumeDecisionError(`${where}: an edit needs editedAction: { name: string, args: object }.`);
      }
    }
    return { ...d, by } as TollgateDecision & { by: string };
  });
}
