// `--db-latency-ms N` of the PostgreSQL bench: a TCP proxy between the bank servers and
// PostgreSQL that holds every chunk N ms before passing it on, each way, so that the database
// stands as if on another machine N ms away (a round trip costs 2N ms more). Chunks keep their
// order: timers of one duration fire in the order they were set.
import net from 'node:net';

/** A running delay proxy: the URL to give the servers instead of the database's own. */
export interface DelayProxy {
  route: (url: string) => string;
  close: () => Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (a free port) in front of the server of `url`. */
export async function startDelayProxy(url: string, delayMs: number): Promise<DelayProxy> {
  const target = new URL(url);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: target.hostname, port: Number(target.port || 5432) });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('error', () => undefined); // a reset on one side ends both, below
      socket.on('close', () => {
        sockets.delete(socket);
        setTimeout(() => {
          client.destroy();
          upstream.destroy();
        }, delayMs);
      });
    }
    delayed(client, upstream, delayMs);
    delayed(upstream, client, delayMs);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    route: (each) => {
      const routed = new URL(each);
      routed.hostname = '127.0.0.1';
      routed.port = String(port);
      return routed.href;
    },
    close: async () => {
      sockets.forEach((socket) => socket.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Copies from → to, each chunk delayMs later. */
function delayed(from: net.Socket, to: net.Socket, delayMs: number): void {
  from.on('data', (chunk: Buffer) => {
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, delayMs);
  });
}
