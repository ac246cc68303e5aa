import { randomUUID } from 'node:crypto';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';

/** The PostgreSQL the suites use: `DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/test`. */
export const POSTGRES_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** True under `CI=true`, where PostgreSQL suites are mandatory and must fail instead of skipping. */
export const POSTGRES_REQUIRED = process.env.CI === 'true' || process.env.TOLLGATE_REQUIRE_POSTGRES === '1';

/**
 * A pool on the test PostgreSQL, or `undefined` when it does not answer (after one line saying so, so a local
 * run can skip); under `CI=true` it throws instead, so a CI run without PostgreSQL fails rather than passing.
 */
export async function connectTestPostgres(url = POSTGRES_URL): Promise<pg.Pool | undefined> {
  const pool = new pg.Pool({ connectionString: url, max: 8, connectionTimeoutMillis: 3000 });
  pool.on('error', () => undefined);
  try {
    await pool.query('SELECT 1');
    return pool;
  } catch (err) {
    await pool.end().catch(() => undefined);
    const why = `no PostgreSQL answers at ${url} (${err instanceof Error ? err.message : String(err)})`;
    if (POSTGRES_REQUIRED) {
      const failure = new Error(`PostgreSQL is required under CI=true, but ${why}. Start it or set DATABASE_URL.`);
      failure.stack = failure.message;
      throw failure;
    }
    console.warn(`Skipping this file's PostgreSQL tests: ${why}. Start PostgreSQL or set DATABASE_URL to run them.`);
    return undefined;
  }
}

/** A schema name unique to one test file or test, so suites sharing a database never see each other's tables. */
export function testSchema(name = 't'): string {
  return `tg_${name.replace(/[^a-z0-9_]/g, '_')}_${randomUUID().slice(0, 8)}`;
}

/** Drops a schema and everything in it. */
export async function dropSchema(pool: pg.Pool, schema: string): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

/**
 * A TCP proxy on 127.0.0.1 in front of a server (default the test PostgreSQL's port), which a test stops to make
 * the server unreachable without stopping it: {@link stop} refuses new connections and cuts open ones.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  /** Starts a proxy to `target` on a free port. */
  static async start(target = { host: '127.0.0.1', port: 5432 }): Promise<TcpProxy> {
    const probe = createServer();
    const port = await new Promise<number>((resolve) =>
      probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port)),
    );
    await new Promise((r) => probe.close(r));
    const proxy = new TcpProxy(port, target);
    await proxy.start();
    return proxy;
  }

  /** `url` with its host and port replaced by the proxy's. */
  url(url = POSTGRES_URL): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  /** Listens again after {@link stop}, on the same port. */
  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = createConnection(this.target);
      this.sockets.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  /** Refuses new connections and cuts every open one, as a server that went away. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise((r) => server.close(r));
  }
}
