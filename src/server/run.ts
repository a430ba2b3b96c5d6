import { bankHasAccounts, seedFromFile } from '../seed.js';
import { healthProblem } from './observe/health.js';
import { outageOf } from './outage.js';
import { VERSION } from '../version.js';
import type { ServerConfig } from './config.js';
import { cidrText } from './admission/trust.js';
import { startServer, type RunningServer } from './listen.js';
import { createServerLog, ignoreBrokenOutput, type ServerLog } from './observe/log.js';
import { createMetrics, noMetrics } from './observe/metrics.js';
import { serveMetrics, type MetricsServer } from './observe/metrics-http.js';

/**
 * `bank server`: listens until SIGINT or SIGTERM, then stops accepting, ends every session,
 * releases their locks and closes the database. With demo set, an empty database first gets
 * the demo accounts. Its output going away (a closed pipe) never stops it.
 */
export async function runServer(config: ServerConfig, demo: boolean): Promise<void> {
  ignoreBrokenOutput();
  const log = createServerLog(config.logLevel, config.logFormat);
  const prom = config.metrics ? createMetrics() : undefined;
  const metrics = prom ?? noMetrics;
  let server: RunningServer | undefined;
  const healthy = (): Promise<string | undefined> | string =>
    server === undefined
      ? 'starting'
      : healthProblem(server.ctx.engine, performance.now(), outageOf(server.ctx).cause);
  // Bound before the database is created: a taken metrics port fails the start cleanly.
  const web =
    config.metrics && prom ? await serveMetrics(config.metrics, prom, healthy) : undefined;
  try {
    server = await startServer(config, { logger: log.logger, metrics });
  } catch (error) {
    await web?.close();
    throw error;
  }
  if (demo) await loadDemo(server, log);
  announceStart(server, log, web);
  await untilSignal(log);
  await server.close();
  await web?.close();
  log.logger.info({ run: server.run }, 'server stopped: every session ended, database closed');
}

/** Loads the demo accounts into an empty database. */
async function loadDemo(server: RunningServer, log: ServerLog): Promise<void> {
  const { engine, pinKey } = server.ctx;
  if (await bankHasAccounts(engine)) return;
  const result = await seedFromFile(engine, pinKey, {});
  if ('errors' in result) log.logger.error(`demo seed failed: ${result.errors.join('; ')}`);
  else log.logger.info(`loaded ${result.loaded} demo accounts`);
}

/**
 * The start line (version, engine, database, address, run, limits), then `listening on
 * <host>:<port>`, which scripts and tests wait for, printed at every log level.
 */
function announceStart(server: RunningServer, log: ServerLog, web?: MetricsServer): void {
  const { config } = server.ctx;
  const address = `${server.host}:${server.port}`;
  log.logger.info(
    {
      version: VERSION,
      engine: server.ctx.engine.kind,
      db: server.ctx.engine.where,
      address,
      run: server.run,
      tls: config.tls !== undefined,
      lock_ttl_s: config.lockTtlMs / 1000,
      max_connections: config.connectionsMax,
      max_connections_per_group: config.connectionsPerGroupMax,
      max_connects_per_second: config.connectsPerGroupPerSecond,
      failed_logins_per_group: config.loginFailuresPerPeerPerMinute,
      trust: config.trust.length > 0 ? config.trust.map(cidrText).join(',') : 'none',
      handshake_timeout_s: config.handshakeMsMax / 1000,
      login_timeout_s: config.loginMsMax / 1000,
      idle_timeout_s: config.sessionIdleMsMax / 1000,
      frame_timeout_s: config.frameMsMax / 1000,
      db_wait_s: config.dbWaitMs / 1000,
      batch_ops_max: config.batchOpsMax,
      log_level: config.logLevel,
      metrics: web?.url,
    },
    'bank server started',
  );
  log.announce(`listening on ${address}`);
  if (web) log.announce(`metrics on ${web.url}`);
}

/** Resolves at the first SIGINT or SIGTERM, saying which. */
function untilSignal(log: ServerLog): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log.logger.info(`${signal}: closing sessions and the database`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
