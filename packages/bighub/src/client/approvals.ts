import { listOf } from './list.js';
import { path, type Transport } from './transport.js';
import type { RequestOptions } from './types.js';

/** An approval as `GET /approvals` lists it. */
export interface BighubApproval {
  /** The decision's `request_id`. */
  request_id: string;
  /** `pending`, `approved` or `denied`. */
  status: string;
  /** The action's name. */
  action?: string;
  /** Who asked. */
  actor?: string;
  /** The action's value. */
  value?: number;
  /** The action's target. */
  target?: string;
  /** The action's domain. */
  domain?: string;
  /** ISO 8601. */
  created_at?: string;
  [key: string]: unknown;
}

/** Query of `GET /approvals`. */
export interface ApprovalListQuery {
  /** `pending` (default), `approved`, `denied` or `all` (the Python SDK's `status_filter`). */
  status?: string;
  /** At most this many (default 50). */
  limit?: number;
}

/** Body of `POST /approvals/{request_id}/resolve`. */
export interface ResolveApprovalRequest {
  /** The human's decision. */
  resolution: 'approved' | 'denied';
  /** Why, or who decided. */
  comment?: string;
}

/** `client.approvals`: the actions waiting for a human. */
export class ApprovalsApi {
  constructor(private readonly http: Transport) {}

  /** `GET /approvals?status=…&limit=…` (status default `pending`). Accepts a bare array or `{approvals: […]}`. */
  async list(query: ApprovalListQuery = {}, options?: RequestOptions): Promise<BighubApproval[]> {
    const q = { status: query.status ?? 'pending', limit: query.limit };
    return listOf(await this.http.send({ method: 'GET', path: '/approvals', query: q }, options), 'approvals');
  }

  /**
   * `POST /approvals/{request_id}/resolve`: approves or denies once.
   * @throws BighubConflictError (code `already_resolved`) for an approval that was already resolved
   */
  resolve(requestId: string, resolution: ResolveApprovalRequest, options?: RequestOptions): Promise<BighubApproval> {
    return this.http.send({ method: 'POST', path: path`/approvals/${requestId}/resolve`, body: resolution }, options);
  }
}
