import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { Code } from '../protocol/codes.js';
import { encodeReply } from '../protocol/encode.js';
import { closeStore, openStore } from '../store/db.js';
import { clearLocks } from '../store/sessions.js';
import { loadPinKey } from '../pin.js';
import { Committer } from './committer.js';
import { checkServerConfig, type ServerConfig } from './config.js';
import { Connection } from './connection.js';
import type { ServerContext } from './context.js';
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
  const server = createListener(config);
  const connections = acceptConnections(server, ctx);
  await listen(server, config.host, config.port);
  const address = server.address() as net.AddressInfo;
  const sweep = setInterval(() => connections.forEach((c) => c.checkTimers(Date.now())), SWEEP_MS);
  sweep.unref();
  const close = async (): Promise<void> => {
    clearInterval(sweep);
    server.close();
    connections.forEach((connection) => connection.shutdown());
    await Promise.all([...connections].map((connection) => connection.finished));
    closeStore(store);
  };
  return { host: address.address, port: address.port, ctx, close };
}

/** Plain TCP, or TLS when a certificate and key are configured (PROTOCOL.md §2). */
function createListener(config: ServerConfig): net.Server {
  if (!config.tls) return net.createServer();
  return tls.createServer({
    cert: readFileSync(config.tls.certFile),
    key: readFileSync(config.tls.keyFile),
  });
}

/** Accepts sockets within the connection limits; the rest get 91 and are closed. */
function acceptConnections(server: net.Server, ctx: ServerContext): Set<Connection> {
  const connections = new Set<Connection>();
  const perPeer = new Map<string, number>();
  const instance = randomBytes(6).toString('hex');
  let nextId = 1;
  const event = ctx.config.tls ? 'secureConnection' : 'connection';
  server.on(event, (socket: net.Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const fromPeer = perPeer.get(address) ?? 0;
    const full = connections.size >= ctx.config.connectionsMax;
    if (full || fromPeer >= ctx.config.connectionsPerPeerMax) {
      return refuseConnection(socket);
    }
    const id = nextId++;
    const peer = { id, address, holder: `${instance}/${id}`, session: null, loginFailures: 0 };
    const connection = new Connection(ctx, socket, peer);
    connections.add(connection);
    perPeer.set(address, fromPeer + 1);
    void connection.finished.then(() => {
      connections.delete(connection);
      const left = (perPeer.get(address) ?? 1) - 1;
      if (left === 0) perPeer.delete(address);
      else perPeer.set(address, left);
    });
  });
  server.on('tlsClientError', () => {}); // a failed handshake only ends that socket
  return connections;
}

/** Tells a client over the limits why it is turned away (PROTOCOL.md §7), then closes. */
function refuseConnection(socket: net.Socket): void {
  socket.on('error', () => {});
  socket.end(encodeReply({ kind: 'bare', code: Code.unavailable }));
  setTimeout(() => socket.destroy(), 1000).unref();
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
