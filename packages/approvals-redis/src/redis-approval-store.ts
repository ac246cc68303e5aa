import {
  type ApprovalRecord,
  type ApprovalStore,
  type ApprovalTransition,
  applyDecision,
  effectiveStatus,
  Reason,
  refuseConsume,
} from '@tollgate/core';
import { CREATE, TRANSITION } from './scripts.js';

/** The pipeline {@link ApprovalRedisClient.pipeline} returns: its `exec` answers `[error, result]` per command. */
export interface ApprovalRedisPipeline {
  exec(): Promise<[error: Error | null, result: unknown][] | null>;
}

/**
 * The Redis client {@link RedisApprovalStore} needs, typed by shape so that this package's types never require
 * ioredis: an ioredis 5 or 6 `Redis` (or `Cluster`) fits as it is. Besides these commands, the store defines
 * its Lua scripts on it (`defineCommand`) and calls them as the methods ioredis adds.
 */
export interface ApprovalRedisClient {
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number }): void;
  hmget(key: string, ...fields: string[]): Promise<(string | null)[]>;
  zrange(key: string, start: string, stop: string): Promise<string[]>;
  zrem(key: string, ...members: string[]): Promise<number>;
  pipeline(commands: string[][]): ApprovalRedisPipeline;
}

/** Options for {@link RedisApprovalStore}. */
export interface RedisApprovalStoreOptions {
  /** A connected ioredis client (fail-fast options: see the package README). */
  redis: ApprovalRedisClient;
  /**
   * Prefix of every key (default `tollgate:approvals:`). On Redis Cluster give it a hash tag, such as
   * `tollgate:{approvals}:`, so a record and the pending index share a slot.
   */
  prefix?: string;
  /** How long a record is kept after it expires, so late resumes read `approval_expired`, not `not_found` (ms, default 1 hour). */
  retainMs?: number;
  /** Records read per round trip while listing pending approvals (default 100). */
  pageSize?: number;
}

type Script = (...args: (string | number)[]) => Promise<unknown>;
type Scripts = Record<'tollgateApprovalCreate' | 'tollgateApprovalTransition', Script>;

/**
 * How many times a transition re-reads after losing a race. A loss means another write succeeded, and a record
 * takes at most `quorum.required` approvals and one consume, so this bound is never reached by fair play.
 */
const attemptsFor = (record: ApprovalRecord | undefined) => (record?.quorum?.required ?? 1) + 3;

/**
 * Approvals in Redis: they survive a process restart and are shared by every process on that Redis.
 * The transition rules are core's own ({@link applyDecision}, {@link refuseConsume}, {@link effectiveStatus}),
 * applied to the record as read; a Lua compare-and-set on the record's version then makes `decide` and
 * `consume` atomic and single-use (a caller that loses the race re-reads and gets the rule's refusal), and
 * refuses once `now >= expiresAt`. Redis deletes each record at `expiresAt + retainMs` (PEXPIREAT, by the
 * server's clock). Keys: `<prefix>approval:<id>` (hash: json, status, v, expiresAt) and `<prefix>pending`
 * (sorted set of pending ids by createdAt). Errors from Redis are thrown; the runner turns them into
 * `approval_store_error` results.
 */
export class RedisApprovalStore implements ApprovalStore {
  /** Short name for logs, as the rate and budget stores have (`redis`). */
  readonly kind = 'redis';
  private readonly redis: ApprovalRedisClient;
  private readonly scripts: Scripts;
  private readonly prefix: string;
  private readonly retainMs: number;
  private readonly pageSize: number;

  /**
   * @throws {TypeError} without `redis`, for a `retainMs` that is not an integer ≥ 0, or for a `pageSize` that is
   *   not an integer ≥ 1
   */
  constructor(options: RedisApprovalStoreOptions) {
    if (!options?.redis) throw new TypeError('RedisApprovalStore needs an ioredis client as `redis`');
    this.redis = options.redis;
    this.prefix = options.prefix ?? 'tollgate:approvals:';
    this.retainMs = options.retainMs ?? 3_600_000;
    this.pageSize = options.pageSize ?? 100;
    if (!Number.isSafeInteger(this.retainMs) || this.retainMs < 0) {
      throw new TypeError(`retainMs must be an integer ≥ 0 (ms), got ${this.retainMs}`);
    }
    // A page of 0 or less would make listPending read the same page forever.
    if (!Number.isSafeInteger(this.pageSize) || this.pageSize < 1) {
      throw new TypeError(`pageSize must be an integer ≥ 1, got ${this.pageSize}`);
    }
    this.redis.defineCommand('tollgateApprovalCreate', { numberOfKeys: 2, lua: CREATE });
    this.redis.defineCommand('tollgateApprovalTransition', { numberOfKeys: 2, lua: TRANSITION });
    this.scripts = this.redis as unknown as Scripts;
  }

  /** The key of the hash holding approval `id`. */
  recordKey(id: string): string {
    return `${this.prefix}approval:${id}`;
  }

  /** The key of the sorted set indexing pending approvals by creation time. */
  get pendingKey(): string {
    return `${this.prefix}pending`;
  }

  /** @throws {Error} when an approval with this id exists */
  async create(record: ApprovalRecord): Promise<void> {
    const created = await this.scripts.tollgateApprovalCreate(
      this.recordKey(record.id),
      this.pendingKey,
      JSON.stringify(record),
      record.expiresAt,
      record.expiresAt + this.retainMs,
      record.createdAt,
      record.id,
    );
    if (Number(created) !== 1) throw new Error(`approval ${record.id} exists`);
  }

  async get(id: string, now: number): Promise<ApprovalRecord | undefined> {
    const stored = await this.read(id);
    return stored && view(stored.record, now);
  }

  decide(id: string, decision: NonNullable<ApprovalRecord['decision']>, now: number): Promise<ApprovalTransition> {
    return this.transition(id, now, (record) => applyDecision(record, decision, now));
  }

  consume(id: string, now: number): Promise<ApprovalTransition> {
    return this.transition(id, now, (record) => {
      const refusal = refuseConsume(record, now);
      if (refusal || !record) return { ok: false, reason: refusal ?? Reason.approvalNotFound };
      return { ok: true, record: { ...record, status: 'consumed', consumedAt: now } };
    });
  }

  async listPending(now: number, limit = 100): Promise<ApprovalRecord[]> {
    const out: ApprovalRecord[] = [];
    const stale: string[] = [];
    for (let start = 0; out.length < limit; start += this.pageSize) {
      const ids = await this.redis.zrange(this.pendingKey, String(start), String(start + this.pageSize - 1));
      if (ids.length === 0) break;
      const jsons = await this.redis.pipeline(ids.map((id) => ['hget', this.recordKey(id), 'json'])).exec();
      ids.forEach((id, i) => {
        const [err, json] = jsons?.[i] ?? [];
        if (err) throw err;
        const record = typeof json === 'string' ? (JSON.parse(json) as ApprovalRecord) : undefined;
        if (record && effectiveStatus(record, now) === 'pending') {
          if (out.length < limit) out.push(record);
        } else {
          stale.push(id);
        }
      });
    }
    // Expired or vanished ids can never be pending again: drop them so the index stays small.
    if (stale.length > 0) await this.redis.zrem(this.pendingKey, ...stale);
    return out;
  }

  private async read(id: string): Promise<{ record: ApprovalRecord; version: string } | undefined> {
    const [json, version] = await this.redis.hmget(this.recordKey(id), 'json', 'v');
    return json && version ? { record: JSON.parse(json) as ApprovalRecord, version } : undefined;
  }

  private async transition(
    id: string,
    now: number,
    step: (record: ApprovalRecord | undefined) => ApprovalTransition,
  ): Promise<ApprovalTransition> {
    let attempts = 1;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const stored = await this.read(id);
      attempts = attemptsFor(stored?.record);
      const t = step(stored?.record);
      if (!t.ok) return stored ? { ok: false, reason: t.reason, record: view(stored.record, now) } : t;
      if (!stored) return { ok: false, reason: Reason.approvalNotFound };
      const updated = t.record;
      const answer = await this.scripts.tollgateApprovalTransition(
        this.recordKey(id),
        this.pendingKey,
        stored.version,
        JSON.stringify(updated),
        updated.status,
        now,
        id,
      );
      if (answer === 'ok') return { ok: true, record: updated };
      if (answer === 'expired') {
        return { ok: false, reason: Reason.approvalExpired, record: view(stored.record, now) };
      }
      // 'conflict' or 'missing': another caller changed the record first; read it again and re-apply the rule.
    }
    throw new Error(`approval ${id} kept changing while being updated; try again`);
  }
}

function view(record: ApprovalRecord, now: number): ApprovalRecord {
  return { ...record, status: effectiveStatus(record, now) };
}
