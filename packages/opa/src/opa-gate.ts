import {
  canonicalJson,
  type FailMode,
  type Gate,
  type GateContext,
  type GateOptions,
  type GateVerdict,
  readToolOptions,
  ToolOptionsError,
  UnavailableError,
} from '@tollgate/core';
import { DecisionCache } from './cache.js';
import { defaultInput } from './input.js';
import { OpaReason } from './reasons.js';
import { verdictOf } from './result.js';

/** Options for {@link OpaGate}. */
export interface OpaGateOptions extends GateOptions {
  /** OPA's base URL, e.g. `http://127.0.0.1:8181`; `https:` anywhere, plain `http:` too (OPA usually runs beside you). */
  url: string;
  /** The decision's path under `/v1/data`, e.g. `tollgate/decision` (slashes, or dots as in `data.tollgate.decision`). */
  path: string;
  /** Longest wait for OPA's answer, in ms (default 500); past it the call goes through `failMode` as unavailable. */
  timeoutMs?: number;
  /** Extra request headers, e.g. `{ authorization: 'Bearer …' }` for an OPA started with `--authentication=token`. */
  headers?: Readonly<Record<string, string>>;
  /** Decision cache: identical inputs reuse a decision for `ttlMs` (default 1000), at most `maxEntries` (default 1000); `false` turns it off. */
  cache?: { ttlMs?: number; maxEntries?: number } | false;
  /** Longest answer read, in bytes (default 1 MiB); a longer one blocks with `opa_response_too_large`. */
  maxResponseBytes?: number;
  /** Policy action names by tool name (kitelogik's `action=`); a tool's `gates.opa.action` wins. Default: the tool name. */
  actions?: Readonly<Record<string, string>>;
  /** Builds OPA's `input` instead of {@link defaultInput}; must return plain JSON. */
  input?: (ctx: GateContext, action: string) => unknown;
}

/** Per-tool options: a tool's `gates.opa` entry. */
export interface OpaToolOptions {
  /** This tool's policy action name. */
  action?: string;
}

/** What {@link OpaGate.check} receives per tool. */
export interface OpaToolConfig {
  action: string | undefined;
}

const NO_TOOL: OpaToolConfig = { action: undefined };

/**
 * Asks an Open Policy Agent server whether a call may run (kitelogik's PolicyGate): `POST {url}/v1/data/{path}`
 * with `{ input }` (see {@link OpaInput}), and maps the decision (`result`: a boolean or an `OpaDecision`) to
 * allow, block or require_approval. OPA unreachable, slow past `timeoutMs` or answering 5xx throws core's
 * `UnavailableError`, which the runner maps by `failMode` (closed: `store_unavailable`). An answer that cannot
 * be read (not JSON, too large, wrong shape, undefined decision, 4xx) blocks with an `opa_*` reason whatever the
 * fail mode: it is never taken for an allow. Stage `rule`.
 */
export class OpaGate implements Gate<OpaToolConfig, OpaToolOptions> {
  readonly name: string;
  readonly stage = 'rule' as const;
  readonly failMode: FailMode;
  readonly shadow: boolean;
  private readonly endpoint: string;
  private readonly path: string;
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string>;
  private readonly maxResponseBytes: number;
  private readonly actions: ReadonlyMap<string, string>;
  private readonly input: (ctx: GateContext, action: string) => unknown;
  private readonly cache: DecisionCache<GateVerdict> | undefined;

  /** @throws TypeError for a bad URL, path, timeout, cache or size option */
  constructor(options: OpaGateOptions) {
    this.name = options.name ?? 'opa';
    this.failMode = options.failMode ?? 'closed';
    this.shadow = options.shadow ?? false;
    let base: URL;
    try {
      base = new URL(options.url);
    } catch {
      throw new TypeError(`OpaGate: url must be an absolute http(s) URL (got ${JSON.stringify(options.url)})`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:')
      throw new TypeError('OpaGate: url must be http: or https:');
    if (typeof options.path !== 'string' || !/^(data[./])?[A-Za-z0-9_][A-Za-z0-9_./-]*$/.test(options.path)) {
      throw new TypeError('OpaGate: path must name a document, e.g. "tollgate/decision"');
    }
    this.path = options.path.replace(/^data[./]/, '').replaceAll('.', '/');
    this.endpoint = new URL(`v1/data/${this.path}`, base.href.endsWith('/') ? base : `${base.href}/`).href;
    this.timeoutMs = positive(options.timeoutMs ?? 500, 'timeoutMs');
    this.maxResponseBytes = positive(options.maxResponseBytes ?? 1 << 20, 'maxResponseBytes');
    this.headers = { 'content-type': 'application/json', accept: 'application/json', ...options.headers };
    this.actions = new Map(Object.entries(options.actions ?? {}));
    this.input = options.input ?? defaultInput;
    if (options.cache !== false) {
      const ttl = positive(options.cache?.ttlMs ?? 1000, 'cache.ttlMs');
      this.cache = new DecisionCache(ttl, positive(options.cache?.maxEntries ?? 1000, 'cache.maxEntries'));
    }
  }

  /** @throws {ToolOptionsError} for an unknown key or an empty action */
  compileToolOptions(raw: OpaToolOptions | undefined, tool: string): OpaToolConfig {
    const site = { gate: this.name, tool };
    const options = readToolOptions(raw, site, ['action']) as OpaToolOptions | undefined;
    if (options?.action === undefined) return NO_TOOL;
    if (typeof options.action !== 'string' || options.action === '') {
      throw new ToolOptionsError(site, '/action', 'must be a non-empty string');
    }
    return { action: options.action };
  }

  async check(ctx: GateContext, tool: OpaToolConfig = NO_TOOL): Promise<GateVerdict> {
    const action = tool.action ?? this.actions.get(ctx.tool) ?? ctx.tool;
    const input = this.input(ctx, action);
    const body = JSON.stringify({ input });
    const extra: Record<string, unknown> = action === ctx.tool ? {} : { action };
    if (!this.cache) return withData(await this.ask(body), extra);
    const key = cacheKey(input);
    const now = ctx.clock.now();
    const cached = this.cache.get(key, now);
    if (cached) return withData(cached, { ...extra, cached: true });
    const verdict = await this.ask(body);
    if ((verdict.data as { readable?: unknown } | undefined)?.readable === true) this.cache.set(key, verdict, now);
    return withData(verdict, extra);
  }

  /** Drops every cached decision (e.g. after a policy bundle changed). */
  clearCache(): void {
    this.cache?.clear();
  }

  private async ask(body: string): Promise<GateVerdict> {
    let response: Response;
    let text: string | undefined;
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      response = await fetch(this.endpoint, { method: 'POST', headers: this.headers, body, signal, redirect: 'error' });
      text = await readLimited(response, this.maxResponseBytes);
    } catch (err) {
      const timedOut = signal.aborted;
      throw new UnavailableError('OPA', {
        cause: timedOut ? new Error(`no answer within ${this.timeoutMs} ms`) : err,
        data: { path: this.path },
      });
    }
    const data: Record<string, unknown> = { path: this.path, status: response.status };
    if (response.status >= 500) {
      throw new UnavailableError('OPA', { cause: new Error(`HTTP ${response.status}`), data });
    }
    if (text === undefined) {
      return {
        ...blocked(OpaReason.responseTooLarge, `OPA's answer is longer than ${this.maxResponseBytes} bytes`),
        data,
      };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { ...blocked(OpaReason.invalidJson, "OPA's answer is not JSON"), data };
    }
    if (response.status >= 400) {
      const error = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
      data.error = { code: String(error.code ?? ''), message: String(error.message ?? '').slice(0, 500) };
      return { ...blocked(OpaReason.requestRejected, `OPA refused the request (HTTP ${response.status})`), data };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return { ...blocked(OpaReason.badResult, "OPA's answer is not an object with a result"), data };
    }
    const answer = parsed as Record<string, unknown>;
    const verdict = verdictOf(answer.result, this.path);
    if (typeof answer.decision_id === 'string') data.decisionId = answer.decision_id;
    data.result = answer.result === undefined ? null : answer.result;
    // Only a decision the policy really took is cached; a malformed answer is asked again next time.
    if (verdict.reason !== OpaReason.badResult && verdict.reason !== OpaReason.undefinedDecision) data.readable = true;
    return { ...verdict, data };
  }
}

/** The cache key: the input's canonical JSON, less what changes on every call and never decides (ids, the clock). */
function cacheKey(input: unknown): string {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return canonicalJson(input as never);
  const { callId: _c, traceId: _t, now: _n, ...rest } = input as Record<string, unknown>;
  return canonicalJson(rest as never);
}

function blocked(reason: string, what: string): GateVerdict {
  return {
    outcome: 'block',
    reason,
    message: `The policy check could not be read (${what}), so the call was blocked. Retrying will not help; tell the user.`,
  };
}

function withData(verdict: GateVerdict, extra: Record<string, unknown>): GateVerdict {
  const { readable: _r, ...data } = (verdict.data ?? {}) as Record<string, unknown>;
  return { ...verdict, data: { ...data, ...extra } };
}

function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`OpaGate: ${name} must be a whole number >= 1`);
  return value;
}

/** The body as text, or `undefined` once it passes `max` bytes (the rest is not read). */
async function readLimited(response: Response, max: number): Promise<string | undefined> {
  const length = Number(response.headers.get('content-length'));
  if (Number.isFinite(length) && length > max) {
    await response.body?.cancel().catch(() => {});
    return undefined;
  }
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > max) {
      await response.body.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(chunk);
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks));
}
