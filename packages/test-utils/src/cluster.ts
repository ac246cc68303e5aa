import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { DedicatedRedis, freePort } from './redis.js';

/** redis-cli next to redis-server: `REDIS_CLI_BIN`, default `redis-cli` on PATH. */
const REDIS_CLI_BIN = process.env.REDIS_CLI_BIN ?? 'redis-cli';

/**
 * A throwaway Redis Cluster of `masters` masters on loopback ports (no replicas), each node's config file in a temp
 * directory, so a test can kill a master and start it again on the same port, where it rejoins the cluster. Node
 * timeout 1 s: a dead master marks the cluster down (every slot must be covered) within about a second.
 */
export class RedisCluster {
  private constructor(
    readonly nodes: DedicatedRedis[],
    private readonly dir: string,
  ) {}

  static async start(masters = 3): Promise<RedisCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-cluster-'));
    const nodes: DedicatedRedis[] = [];
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      const args = ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`)];
      nodes.push(await DedicatedRedis.start(port, [...args, '--cluster-node-timeout', '1000', '--dir', dir]));
    }
    const cluster = new RedisCluster(nodes, dir);
    await run(REDIS_CLI_BIN, ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-yes']);
    await cluster.waitUntilOk();
    return cluster;
  }

  /** Where a cluster client starts: every node. */
  get startup(): { host: string; port: number }[] {
    return this.nodes.map((n) => ({ host: '127.0.0.1', port: n.port }));
  }

  /** Resolves once every node reports `cluster_state:ok` (after start, or after a killed master is back). */
  async waitUntilOk(ms = 30_000): Promise<void> {
    const until = Date.now() + ms;
    for (;;) {
      const states = await Promise.all(this.nodes.map((n) => clusterState(n.port)));
      if (states.every((s) => s === 'ok')) return;
      if (Date.now() > until) throw new Error(`the cluster did not become ok (${states.join(', ')})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function clusterState(port: number): Promise<string> {
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  probe.on('error', () => {});
  try {
    await probe.connect();
    const info = String(await probe.call('CLUSTER', 'INFO'));
    return /cluster_state:(\w+)/.exec(info)?.[1] ?? 'unknown';
  } catch {
    return 'down';
  } finally {
    probe.disconnect();
  }
}

function run(bin: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${bin} exited ${code}: ${err}`))));
  });
}
