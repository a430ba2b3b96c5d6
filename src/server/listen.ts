import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { Code } from '../protocol/codes.js';
import { encodeReply } from '../protocol/encode.js';
import { closeStore, openStore } from '../store/db.js';
import { clearLocks } from '../store/sessions.js';
import { loadPinKey } from '../pin.js';
import { VERSION } from '../version.js';
import { Committer } from './committer.js';
import { checkServerConfig, type ServerConfig } from './config.js';
import { ConnIds } from './conn-ids.js';
import { Connection } from './connection.js';
import type { ServerContext } from './context.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { LoginLimiter } from './rate-limit.js';
import { checkStartPaths, listenError, StartupError, tlsError } from './startup-errors.js';

const SWEEP_MS = 1000;
const LISTEN_FLAGS = { host: '--host', port: '--port' };

/** A server that is listening: its real address, and a way to stop it cleanly. */
export interface RunningServer {
  host: string;
  port: number;
  ctx: ServerContext;
  /** This start's run number (migrations/002_runs.sql): connection ids begin at run * 10^6. */
  run: number;
  close(): Promise<void>;
}

/** Where the server reports: its log and its metrics (noMetrics when off). */
export interface ServerOutputs {
  logger: Logger;
  metrics: Metrics;
}

/**
 * Checks the paths, binds the address, and only then opens (or creates) the database and the
 * PIN key, so a start that fails creates nothing. Clears locks left by a server that died.
 * Every client is served on the event loop; none waits for another's session.
 */
export async function startServer(
  config: ServerConfig,
  outputs: ServerOutputs,
): Promise<RunningServer> {
  checkServerConfig(config);
  checkStartPaths(config);
  const server = createListener(config);
  await listen(server, config.host, config.port);
  // No await from here until the connection handler is set: no client can arrive unserved.
  const ctx = openContext(server, config, outputs);
  const connIds = new ConnIds(ctx.store, VERSION, Date.now);
  const connections = acceptConnections(server, ctx, connIds);
  const address = server.address() as net.AddressInfo;
  const sweep = setInterval(() => connections.forEach((c) => c.checkTimers(Date.now())), SWEEP_MS);
  sweep.unref();
  const close = async (): Promise<void> => {
    clearInterval(sweep);
    server.close();
    connections.forEach((connection) => connection.shutdown());
    await Promise.all([...connections].map((connection) => connection.finished));
    closeStore(ctx.store);
  };
  return { host: address.address, port: address.port, ctx, run: connIds.run, close };
}

/** Opens the database and the PIN key for a bound server; on failure unbinds and explains. */
function openContext(
  server: net.Server,
  config: ServerConfig,
  { logger, metrics }: ServerOutputs,
): ServerContext {
  try {
    const store = openStore(config.dbFile);
    const cleared = clearLocks(store);
    if (cleared > 0) logger.warn(`released ${cleared} session lock(s) left by a previous run`);
    const committer = new Committer(store, config.batchOpsMax);
    committer.onBatch = (batchOps, ms) => metrics.commit(batchOps, ms);
    const pinKey = loadPinKey(config.pinKeyFile);
    const limiter = new LoginLimiter(config.loginFailuresPerPeerPerMinute);
    const log = (line: string): void => logger.info(line);
    return { store, committer, config, pinKey, limiter, log, logger, metrics, now: Date.now };
  } catch (error) {
    server.close();
    const message = error instanceof Error ? error.message : String(error);
    throw new StartupError(`cannot open the database ${config.dbFile} (${message})`);
  }
}

/** Plain TCP, or TLS when a certificate and key are configured (PROTOCOL.md §2). */
function createListener(config: ServerConfig): net.Server {
  if (!config.tls) return net.createServer();
  try {
    return tls.createServer({
      cert: readFileSync(config.tls.certFile),
      key: readFileSync(config.tls.keyFile),
    });
  } catch (error) {
    throw tlsError(error, config);
  }
}

/** Accepts sockets within the connection limits; the rest get 91 and are closed. */
function acceptConnections(
  server: net.Server,
  ctx: ServerContext,
  connIds: ConnIds,
): Set<Connection> {
  const connections = new Set<Connection>();
  const perPeer = new Map<string, number>();
  const instance = randomBytes(6).toString('hex');
  const event = ctx.config.tls ? 'secureConnection' : 'connection';
  server.on(event, (socket: net.Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const fromPeer = perPeer.get(address) ?? 0;
    const full = connections.size >= ctx.config.connectionsMax;
    if (full || fromPeer >= ctx.config.connectionsPerPeerMax) {
      ctx.metrics.refused(full ? 'max-connections' : 'max-connections-per-peer');
      return refuseConnection(socket);
    }
    const id = connIds.next();
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
  ctx.metrics.watch({
    connections: () => connections.size,
    sessions: () => [...connections].filter((c) => c.peer.session !== null).length,
  });
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
    const fail = (error: Error): void => reject(listenError(error, { host, port }, LISTEN_FLAGS));
    server.once('error', fail);
    server.listen({ host, port }, () => {
      server.off('error', fail);
      resolve();
    });
  });
}
