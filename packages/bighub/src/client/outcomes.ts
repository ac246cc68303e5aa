import type { Transport } from './transport.js';
import type { RequestOptions } from './types.js';

/** Body of `POST /outcomes/report`. */
export interface OutcomeReport {
  /** `SUCCESS`, `FAILURE`, `BLOCKED`… */
  status: string;
  /** The decision this outcome belongs to. */
  request_id?: string;
  /** One line for humans. */
  description?: string;
  /** Structured detail. */
  details?: Record<string, unknown>;
  [key: string]: unknown;
}

/** `client.outcomes`: what happened after a decision, so BIGHUB can learn from it. */
export class OutcomesApi {
  constructor(private readonly http: Transport) {}

  /** `POST /outcomes/report`. */
  report(report: OutcomeReport, options?: RequestOptions): Promise<Record<string, unknown>> {
    return this.http.send({ method: 'POST', path: '/outcomes/report', body: report }, options);
  }
}
