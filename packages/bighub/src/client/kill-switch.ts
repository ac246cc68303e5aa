import type { Transport } from './transport.js';
import type { ActionDomain, RequestOptions } from './types.js';

/** Answer of the kill switch endpoints. `active: true` means every action must be blocked. */
export interface KillSwitchStatus {
  /** True: every action (of `domain`, for a domain-scoped switch) must be blocked. */
  active: boolean;
  /** Why it was activated. */
  reason?: string;
  /** `global`, or `domain` for a switch that covers one domain. */
  scope?: string;
  /** The domain it covers, for a domain-scoped switch. */
  domain?: string;
  /** ISO 8601. */
  activated_at?: string;
  [key: string]: unknown;
}

/** Body of `POST /kill-switch/activate`. */
export interface KillSwitchActivate {
  /** Why, for the event log and the blocked actions' reason. */
  reason: string;
  /** `global` (default) or `domain`. */
  scope?: 'global' | 'domain';
  /** With `scope: "domain"`: the domain to stop. */
  domain?: ActionDomain;
}

/** `client.killSwitch`: stop every action at once, and start again. */
export class KillSwitchApi {
  constructor(private readonly http: Transport) {}

  /** `GET /kill-switch/status`. */
  status(options?: RequestOptions): Promise<KillSwitchStatus> {
    return this.http.send({ method: 'GET', path: '/kill-switch/status' }, options);
  }

  /** `POST /kill-switch/activate`: every decision is a block until deactivated. */
  activate(request: KillSwitchActivate, options?: RequestOptions): Promise<KillSwitchStatus> {
    return this.http.send({ method: 'POST', path: '/kill-switch/activate', body: request }, options);
  }

  /** `POST /kill-switch/deactivate`. */
  deactivate(request: { reason?: string } = {}, options?: RequestOptions): Promise<KillSwitchStatus> {
    return this.http.send({ method: 'POST', path: '/kill-switch/deactivate', body: request }, options);
  }
}
