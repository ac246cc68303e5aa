import { randomBytes } from 'node:crypto';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { hashToken, isPasswordHash, sameSecret, verifyPassword } from './passwords.js';

/** A person who may sign in to the console. Give a password hash, a token hash, or both. */
export interface ConsoleUser {
  /** The reviewer's identity, recorded with every decision they take (e.g. `ann@bank.example`). */
  name: string;
  /** A `hashPassword()` string (scrypt PHC). */
  passwordHash?: string;
  /** `hashToken(token)`: SHA-256 hex of an access token. */
  tokenHash?: string;
}

/** One signed-in reviewer. */
export interface Session {
  readonly id: string;
  readonly user: string;
  /** Sent in every form and checked on every state-changing request. */
  readonly csrf: string;
  readonly createdAt: number;
  lastSeen: number;
  /** A message for the next page this session sees (after a redirect). */
  flash?: { kind: 'ok' | 'error'; text: string; detail?: string };
}

/** Options for {@link Sessions}. */
export interface SessionOptions {
  /** A session ends this long after sign-in (ms, default 8 hours). */
  maxAgeMs?: number;
  /** …or after this long without a request (ms, default 30 minutes). */
  idleMs?: number;
}

const random = () => randomBytes(32).toString('base64url');

/**
 * Sign-in and sessions, in this process's memory: a restart signs everyone out. Failed sign-ins are limited per
 * user name (5 per 15 minutes, rate-limiter-flexible), so a password cannot be guessed at speed.
 */
export class Sessions {
  private readonly users = new Map<string, ConsoleUser>();
  private readonly sessions = new Map<string, Session>();
  private readonly failures = new RateLimiterMemory({ points: 5, duration: 15 * 60 });
  private readonly maxAgeMs: number;
  private readonly idleMs: number;

  /** @throws {TypeError} for no users, a duplicate name, or a user without a usable hash */
  constructor(users: readonly ConsoleUser[], options: SessionOptions = {}) {
    if (!Array.isArray(users) || users.length === 0) throw new TypeError('the console needs at least one user');
    for (const u of users) {
      if (typeof u?.name !== 'string' || u.name.trim() === '') throw new TypeError('every console user needs a name');
      if (this.users.has(u.name)) throw new TypeError(`console user "${u.name}" is listed twice`);
      if (u.passwordHash !== undefined && !isPasswordHash(u.passwordHash)) {
        throw new TypeError(`console user "${u.name}": passwordHash is not a scrypt hash from hashPassword()`);
      }
      if (u.tokenHash !== undefined && !/^[0-9a-f]{64}$/.test(u.tokenHash)) {
        throw new TypeError(`console user "${u.name}": tokenHash must be 64 hex digits (hashToken(token))`);
      }
      if (!u.passwordHash && !u.tokenHash)
        throw new TypeError(`console user "${u.name}" has neither passwordHash nor tokenHash`);
      this.users.set(u.name, u);
    }
    this.maxAgeMs = options.maxAgeMs ?? 8 * 3_600_000;
    this.idleMs = options.idleMs ?? 30 * 60_000;
  }

  /**
   * Signs in with a user name and a password or token. @returns the new session, or why not
   * (`invalid` for a wrong name or secret alike, `locked` after too many failures)
   */
  async signIn(name: string, secret: string, now = Date.now()): Promise<Session | 'invalid' | 'locked'> {
    const key = name.slice(0, 200);
    const limit = await this.failures.get(key);
    if (limit && limit.consumedPoints >= 5) return 'locked';
    const user = this.users.get(name);
    let ok = false;
    if (user && typeof secret === 'string' && secret !== '') {
      if (user.tokenHash && sameSecret(hashToken(secret), user.tokenHash)) ok = true;
      else if (user.passwordHash) ok = await verifyPassword(user.passwordHash, secret);
    }
    if (!ok) {
      await this.failures.penalty(key, 1);
      return 'invalid';
    }
    await this.failures.delete(key);
    const session: Session = { id: random(), user: user!.name, csrf: random(), createdAt: now, lastSeen: now };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id, touched; `undefined` when unknown or expired (then it is dropped). */
  get(id: string | undefined, now = Date.now()): Session | undefined {
    const session = id ? this.sessions.get(id) : undefined;
    if (!session) return undefined;
    if (now - session.createdAt > this.maxAgeMs || now - session.lastSeen > this.idleMs) {
      this.sessions.delete(session.id);
      return undefined;
    }
    session.lastSeen = now;
    return session;
  }

  /** Ends a session. */
  end(id: string): void {
    this.sessions.delete(id);
  }

  /** How long the session cookie may live (s). */
  get cookieMaxAgeSec(): number {
    return Math.floor(this.maxAgeMs / 1000);
  }

  /** A fresh random token (for the sign-in form's CSRF cookie). */
  static token(): string {
    return random();
  }
}
