import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { closeStore, openStore } from '../store/db.js';
import { clearLocks } from '../store/sessions.js';
import { loadPinKey } from '../pin.js';
import { Admission, type Admitted } from './admission.js';
import { closeAuditAggregator } from './audit-aggregator.js';
import { Committer } from './committer.js';
import { checkServerConfig, type ServerConfig } from './config.js';
import { Connection } from './connection.js';
import type { ServerContext } from './context.js';
import { connectionsCap, describeCap, readFdLimit, REFUSALS_OPEN_MAX } from './fd-headroom.js';
import { createLoginGuards } from './pin-budget.js';

const SWEEP_MS = 1000;

/** A server that is listening: its real address, and a way to stop it cleanly. */
export interface RunningServer {
  host: string;
  port: number;
  ctx: ServerContext;
  close(): Promise<void>;
}

/**
 * Opens the database, clears locks left by a server that died, and listens. Every client is
 * served on the event loop; none waits for another's session.
 */
export async function startServer(
  config: ServerConfig,
  log: (line: string) => void,
): Promise<RunningServer> {
  checkServerConfig(config);
  const store = openStore(config.dbFile);
  const cleared = clearLocks(store);
  if (cleared > 0) log(`released ${cleared} session lock(s) left by a previous run`);
  const ctx: ServerContext = {
    store,
    committer: new Committer(store, config.batchOpsMax),
    config,
    pinKey: loadPinKey(config.pinKeyFile),
    logins: createLoginGuards(config, log),
    log: config.quiet ? () => {} : log,
    now: Date.now,
  };
  const { server, admission, connections } = createListener(ctx);
  await listen(server, config.host, config.port);
  const address = server.address() as net.AddressInfo;
  const sweep = setInterval(() => {
    const now = Date.now();
    connections.forEach((c) => c.checkTimers(now));
    admission.sweep(now);
  }, SWEEP_MS);
  sweep.unref();
  const close = async (): Promise<void> => {
    clearInterval(sweep);
    server.close();
    admission.close();
    connections.forEach((connection) => connection.shutdown());
    await Promise.all([...connections].map((connection) => connection.finished));
    await closeAuditAggregator(ctx);
    closeStore(store);
  };
  return { host: address.address, port: address.port, ctx, close };
}

/**
 * A plain TCP listener whose connections pass admission (caps, connect rate, and TLS when a
 * certificate is configured: PROTOCOL.md §2, §7) before they are served. The listener itself
 * drops, unanswered, any socket past the cap plus the refusals in progress: a hard bound on the
 * descriptors connections can take.
 */
function createListener(ctx: ServerContext) {
  const limit = readFdLimit();
  const connectionsMax = connectionsCap(ctx.config.connectionsMax, limit.files);
  ctx.log(describeCap(ctx.config.connectionsMax, limit));
  const connections = new Set<Connection>();
  const serve = serveConnections(ctx, connections);
  const options = { config: ctx.config, connectionsMax, now: ctx.now, log: ctx.log };
  const admission = new Admission(options, serve);
  const server = net.createServer();
  server.maxConnections = connectionsMax + REFUSALS_OPEN_MAX;
  server.on('connection', (socket: net.Socket) => admission.accept(socket));
  return { server, admission, connections };
}

/** Serves admitted sockets, each as a Connection kept in the set until it has finished. */
function serveConnections(ctx: ServerContext, connections: Set<Connection>) {
  const instance = randomBytes(6).toString('hex');
  let nextId = 1;
  return ({ socket, address, acceptedAt }: Admitted): void => {
    const id = nextId++;
    const peer = { id, address, holder: `${instance}/${id}`, session: null, loginFailures: 0 };
    const connection = new Connection(ctx, socket, peer, acceptedAt);
    connections.add(connection);
    void connection.finished.then(() => connections.delete(connection));
  };
}

function listen(server: net.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
