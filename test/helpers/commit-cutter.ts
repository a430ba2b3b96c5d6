import net from 'node:net';

/**
 * A TCP proxy between a bank server and PostgreSQL that cuts the connection while a COMMIT is on
 * its way, which is how a crash or a network fault looks at the worst moment: the server cannot
 * know whether its batch committed. Cuts alternate between two shapes: the COMMIT never reaches
 * the database (nothing committed), and the COMMIT reaches it and the answer is lost (committed).
 */
export class CommitCutter {
  /** Cuts still to make; every other COMMIT seen while it is above 0 is cut. */
  cutsLeft = 0;
  /** The next COMMIT passes: a request's retry is not cut again at once. */
  private spare = false;
  /** Cuts made of each shape. */
  readonly made = { beforeCommit: 0, afterCommit: 0 };
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  /** Listens on 127.0.0.1 and a free port, forwarding to 127.0.0.1:targetPort. */
  static async start(targetPort: number): Promise<CommitCutter> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
    });
    const cutter = new CommitCutter(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (bank) => cutter.pipe(bank, targetPort));
    return cutter;
  }

  /** Stops listening and closes every proxied connection. */
  async close(): Promise<void> {
    this.sockets.forEach((socket) => socket.destroy());
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private pipe(bank: net.Socket, targetPort: number): void {
    const database = net.connect({ host: '127.0.0.1', port: targetPort });
    for (const socket of [bank, database]) {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('error', () => {});
      socket.on('close', () => this.sockets.delete(socket));
    }
    bank.on('data', (chunk: Buffer) => {
      if (this.cutsLeft > 0 && chunk.includes('COMMIT')) {
        this.spare = !this.spare;
        if (this.spare) return this.cut(bank, database, chunk);
      }
      database.write(chunk);
    });
    database.on('data', (chunk: Buffer) => bank.write(chunk));
    bank.on('close', () => {
      if (!cutAfter.has(database)) database.destroy();
    });
    database.on('close', () => bank.destroy());
  }

  /** Cuts one connection at its COMMIT, in the shape whose turn it is. */
  private cut(bank: net.Socket, database: net.Socket, chunk: Buffer): void {
    this.cutsLeft -= 1;
    if ((this.made.beforeCommit + this.made.afterCommit) % 2 === 0) {
      this.made.beforeCommit += 1;
      bank.destroy();
      database.destroy();
      return;
    }
    this.made.afterCommit += 1;
    // The COMMIT reaches the database; its answer is read and dropped, never reaching the bank.
    cutAfter.add(database);
    database.removeAllListeners('data');
    database.on('data', () => {});
    database.write(chunk);
    bank.destroy();
    setTimeout(() => database.end(), 100);
  }
}

/** Database sides of connections cut after their COMMIT: they end on their own, a little later. */
const cutAfter = new WeakSet<net.Socket>();
