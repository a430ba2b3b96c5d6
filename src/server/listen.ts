import net from 'node:net';
import { hostname } from 'node:os';
import type { Engine } from '../store/engine.js';
import { openEngine } from '../store/open.js';
import { dbName, maskSecrets } from '../store/target.js';
import { loadPinKey, wouldOrphanPins } from '../pin.js';
import { bankHasAccounts } from '../seed.js';
import { VERSION } from '../version.js';
import { Admission, type Admitted } from './admission/admission.js';
import { closeAuditAggregator } from './observe/audit-aggregator.js';
import { checkServerConfig, type ServerConfig } from './config.js';
import { ConnIds } from './conn-ids.js';
import { Connection } from './connection.js';
import type { ServerContext } from './context.js';
import { describeCap, REFUSALS_OPEN_MAX, startCap } from './admission/fd-headroom.js';
import type { Logger } from './observe/log.js';
import type { LimitReason, Metrics } from './observe/metrics.js';
import { createLoginGuards } from './admission/pin-budget.js';
import { checkStartPaths, listenError, StartupError, tlsError } from './startup-errors.js';

const SWEEP_MS = 1000;
const LISTEN_FLAGS = { host: '--host', port: '--port' };

/** A server that is listening: its real address, and a way to stop it cleanly. */
export interface RunningServer {
  host: string;
  port: number;
  ctx: ServerContext;
  /** This start's run number (migrations/004_runs.sql): connection ids begin at run * 10^6. */
  run: number;
  close(): Promise<void>;
}

/** Where the server reports: its log and its metrics (noMetrics when off). */
export interface ServerOutputs {
  logger: Logger;
  metrics: Metrics;
}

/**
 * Checks the paths, the open-file limit and the TLS files, binds the address, and only then
 * opens (or creates) the database and the PIN key, so a start that fails creates nothing. Clears
 * locks left by a server that died. Every client is served on the event loop; none waits for
 * another's session.
 */
export async function startServer(
  config: ServerConfig,
  outputs: ServerOutputs,
): Promise<RunningServer> {
  checkServerConfig(config);
  checkStartPaths(config);
  const cap = startCap(config.connectionsMax);
  const connections = new Set<Connection>();
  // Clients that arrive while the database opens wait, admitted, until it is open.
  const early: Admitted[] = [];
  let serve: (admitted: Admitted) => void = (admitted) => early.push(admitted);
  const evictAnonymous = (): net.Socket | undefined => evictOldestAnonymous(connections);
  const admission = createAdmission(config, cap.connectionsMax, outputs, {
    serve: (a) => serve(a),
    evictAnonymous,
  });
  const server = net.createServer();
  server.maxConnections = cap.connectionsMax + REFUSALS_OPEN_MAX;
  await listen(server, config.host, config.port);
  const address = server.address() as net.AddressInfo;
  server.on('connection', (socket: net.Socket) => admission.accept(socket));
  const name = config.serverName ?? defaultServerName(address.port);
  const ctx = await openContext(server, config, outputs, name).catch((error: unknown) => {
    early.forEach((admitted) => admitted.socket.destroy());
    admission.close();
    throw error;
  });
  ctx.log(describeCap(config.connectionsMax, cap.limit));
  const connIds = await startConnIds(server, ctx);
  serve = serveConnections(ctx, connections, { connIds, name });
  early.splice(0).forEach(serve);
  const sweep = startSweep(connections, admission);
  const close = async (): Promise<void> => {
    clearInterval(sweep);
    server.close();
    admission.close();
    await closeAll(ctx, connections);
  };
  return { host: address.address, port: address.port, ctx, run: connIds.run, close };
}

/** Ends every session (each gets its reply, then 91), writes the counted refusals, closes. */
async function closeAll(ctx: ServerContext, connections: Set<Connection>): Promise<void> {
  connections.forEach((connection) => connection.shutdown());
  await Promise.all([...connections].map((connection) => connection.finished));
  await closeAuditAggregator(ctx);
  await ctx.engine.close();
}

/**
 * The name this server's locks carry (`<name>/<connection>`) unless --server-name gives one: a
 * server restarted on the same host and port recognises the locks it left and clears them, and
 * only those.
 */
function defaultServerName(port: number): string {
  return `${hostname()}:${port}`;
}

/**
 * Admission of raw TCP connections (caps, connect rate, and TLS when a certificate is
 * configured: PROTOCOL.md §2, §7); reads the TLS files, so a bad one fails the start here.
 */
function createAdmission(
  config: ServerConfig,
  connectionsMax: number,
  { logger, metrics }: ServerOutputs,
  hooks: { serve: (admitted: Admitted) => void; evictAnonymous: () => net.Socket | undefined },
): Admission {
  const log = (line: string): void => logger.info(line);
  const { evictAnonymous } = hooks;
  const refused = (reason: string): void => metrics.refused(reason);
  const limited = (reason: LimitReason): void => metrics.limited(reason);
  const options = {
    config,
    connectionsMax,
    nowMs: Date.now,
    log,
    refused,
    limited,
    evictAnonymous,
  };
  try {
    return new Admission(options, hooks.serve);
  } catch (error) {
    throw config.tls ? tlsError(error, config) : error;
  }
}

/** Closes the oldest connection not logged in (the set keeps accept order); its socket. */
function evictOldestAnonymous(connections: Set<Connection>): net.Socket | undefined {
  for (const connection of connections) {
    const socket = connection.evictIfAnonymous();
    if (socket !== undefined) return socket;
  }
  return undefined;
}

/** Closes idle and slow connections and forgets spent connect-rate windows, once a second. */
function startSweep(connections: Set<Connection>, admission: Admission): NodeJS.Timeout {
  const sweep = setInterval(() => {
    const nowMs = Date.now();
    connections.forEach((c) => c.checkTimers(nowMs));
    admission.sweep(nowMs);
  }, SWEEP_MS);
  sweep.unref();
  return sweep;
}

/** Opens the database and the PIN key for a bound server; on failure unbinds and explains. */
async function openContext(
  server: net.Server,
  config: ServerConfig,
  { logger, metrics }: ServerOutputs,
  name: string,
): Promise<ServerContext> {
  let engine: Engine | undefined;
  try {
    engine = await openEngine(config.dbFile, {
      batchOpsMax: config.batchOpsMax,
      dbWaitMs: config.dbWaitMs,
    });
    const cleared = await engine.clearLocks(name);
    if (cleared > 0) logger.warn(`released ${cleared} session lock(s) left by a previous run`);
    engine.commits.onBatch = (batchOps, ms) => metrics.commit(batchOps, ms);
    await refuseNewSharedKey(engine, config.pinKeyFile);
    const pinKey = loadPinKey(config.pinKeyFile);
    const log = (line: string): void => logger.info(line);
    const logins = createLoginGuards(config, log, () => metrics.limited('failed-logins'));
    return { engine, config, pinKey, logins, log, logger, metrics, nowMs: Date.now };
  } catch (error) {
    server.close();
    await engine?.close().catch(() => {}); // a pool left open would keep the process alive
    if (error instanceof StartupError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    const why = maskSecrets(message);
    throw new StartupError(`cannot open the database ${dbName(config.dbFile)} (${why})`);
  }
}

/** Records this start's run (connection ids); on failure unbinds and closes the database. */
async function startConnIds(server: net.Server, ctx: ServerContext): Promise<ConnIds> {
  try {
    return await ConnIds.start(ctx.engine, { version: VERSION, nowMs: Date.now, log: ctx.log });
  } catch (error) {
    server.close();
    await ctx.engine.close();
    throw error;
  }
}

/**
 * Several servers on one PostgreSQL bank must share its PIN key: a server that finds none must
 * not make a new one (no PIN would match it), unless the bank has no accounts yet.
 */
async function refuseNewSharedKey(engine: Engine, file: string): Promise<void> {
  if (engine.kind !== 'postgres') return;
  if (!(await wouldOrphanPins(file, () => bankHasAccounts(engine)))) return;
  throw new StartupError(
    `no PIN key at ${file}: the servers of a PostgreSQL bank share one ` +
      'key; copy it here, or pass --pin-key <file> or set BANK_PIN_KEY',
  );
}

/** Serves admitted sockets, each as a Connection kept in the set until it has finished. */
function serveConnections(
  ctx: ServerContext,
  connections: Set<Connection>,
  { connIds, name }: { connIds: ConnIds; name: string },
): (admitted: Admitted) => void {
  ctx.metrics.watch({
    connections: () => connections.size,
    sessions: () => [...connections].filter((c) => c.peer.session !== null).length,
  });
  return ({ socket, address, acceptedAt }: Admitted): void => {
    const id = connIds.next();
    if (id === null) {
      // ids used up and no next run reserved: refused (ConnIds logged it)
      socket.destroy();
      return;
    }
    const peer = { id, address, holder: `${name}/${id}`, session: null, loginFailures: 0 };
    const connection = new Connection(ctx, socket, peer, acceptedAt);
    connections.add(connection);
    void connection.finished.then(() => connections.delete(connection));
  };
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
