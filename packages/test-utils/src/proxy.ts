import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a server (Redis), which a test can stall: while stalled it forwards nothing
 * in either direction but keeps every connection open, as a hung server or a congested link does, so clients see
 * their commands time out; `resume()` lets everything buffered through, in order.
 */
export class StallingProxy {
  private readonly pairs = new Set<[Socket, Socket]>();
  private stalled = false;

  private constructor(
    private readonly server: Server,
    /** The proxy's port on 127.0.0.1. */
    readonly port: number,
  ) {}

  /** Starts a proxy to `targetPort` on 127.0.0.1. */
  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<StallingProxy> {
    let proxy!: StallingProxy;
    const server = createServer((client) => {
      const upstream = connect(targetPort, targetHost);
      const pair: [Socket, Socket] = [client, upstream];
      proxy.pairs.add(pair);
      if (proxy.stalled) {
        client.pause();
        upstream.pause();
      }
      client.pipe(upstream);
      upstream.pipe(client);
      const close = () => {
        proxy.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
    proxy = new StallingProxy(server, address.port);
    return proxy;
  }

  /** `redis://127.0.0.1:<port>`. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Stops forwarding, both ways, on every connection (new ones included) until {@link resume}. */
  stall(): void {
    this.stalled = true;
    for (const [client, upstream] of this.pairs) {
      client.pause();
      upstream.pause();
    }
  }

  /** Forwards again, what was held back first. */
  resume(): void {
    this.stalled = false;
    for (const [client, upstream] of this.pairs) {
      client.resume();
      upstream.resume();
    }
  }

  async close(): Promise<void> {
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
