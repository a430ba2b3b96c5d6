// A TCP proxy between the bank servers and PostgreSQL, on 127.0.0.1, that the nemesis turns into
// a network partition as the servers would see one: it stalls (holds every byte, then delivers
// them), drops (discards every byte, then cuts the connections that lost some) or resets (RST to
// every connection, and to new ones while it lasts).
import net from 'node:net';

/** What the proxy does to the bytes now. */
type Mode = 'pass' | 'stall' | 'drop' | 'reset';

/** One proxied connection: the server's side and the database's. */
interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  /** Set when it lost bytes to a drop: it is cut when the drop ends. */
  damaged: boolean;
  /** Set once the database accepted the connection. */
  connected: boolean;
}

/** The fault proxy in front of the database at 127.0.0.1:targetPort. */
export class FaultProxy {
  private mode: Mode = 'pass';
  private readonly pairs = new Set<Pair>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  /** Listens on 127.0.0.1 and a free port. */
  static async start(targetPort: number): Promise<FaultProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
    });
    const proxy = new FaultProxy(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (client) => proxy.accept(client, targetPort));
    return proxy;
  }

  /** Starts a fault: every connection stalls, loses its bytes, or is reset. */
  begin(mode: Exclude<Mode, 'pass'>): void {
    this.mode = mode;
    for (const pair of this.pairs) {
      if (mode === 'reset') resetPair(pair);
      else if (mode === 'stall') [pair.client, pair.upstream].forEach((s) => s.pause());
    }
  }

  /** Ends the fault: held bytes flow on; connections that lost bytes are cut. */
  heal(): void {
    this.mode = 'pass';
    for (const pair of this.pairs) {
      if (pair.damaged) resetPair(pair);
      else [pair.client, pair.upstream].forEach((s) => s.resume());
    }
  }

  /** Cuts every connection and stops listening. */
  async close(): Promise<void> {
    this.pairs.forEach(resetPair);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket, targetPort: number): void {
    if (this.mode === 'reset') return void client.resetAndDestroy();
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    const pair: Pair = { client, upstream, damaged: false, connected: false };
    upstream.once('connect', () => (pair.connected = true));
    this.pairs.add(pair);
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true);
      socket.on('error', () => {}); // 'close' follows, and says whether there was an error
      // Passed on as it came: a FIN as a FIN (PostgreSQL going down closes its sockets), a
      // reset as a reset; a database refusing the connection closes the server's side, as near
      // as a proxy that has accepted it can come to a refusal.
      socket.on('close', (hadError) => {
        this.pairs.delete(pair);
        if (hadError && pair.connected) resetPair(pair);
        else [client, upstream].forEach((s) => s.end());
      });
      if (this.mode === 'stall') socket.pause();
    }
    this.forward(pair, client, upstream);
    this.forward(pair, upstream, client);
  }

  /** Copies from → to while passing or stalled (paused sockets deliver later); drops discard. */
  private forward(pair: Pair, from: net.Socket, to: net.Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (this.mode === 'drop') {
        pair.damaged = true;
        return;
      }
      if (!to.destroyed) to.write(chunk);
    });
  }
}

/** Resets both sides of a pair (TCP RST), once. */
function resetPair(pair: Pair): void {
  for (const socket of [pair.client, pair.upstream]) {
    if (!socket.destroyed) socket.resetAndDestroy();
  }
}
