import type { Command } from 'commander';
import { defaultServerConfig } from '../../server/config.js';
import { runServer } from '../../server/run.js';
import { intOption } from '../options.js';

/** `bank server`: runs the bank server until SIGINT/SIGTERM. */
export function addServerCommand(program: Command): void {
  const defaults = defaultServerConfig();
  program
    .command('server')
    .description('run the bank server')
    .option('--db <file>', 'SQLite database file (created if missing)', 'bank.sqlite')
    .option('--host <address>', 'address to listen on (0.0.0.0 for every interface)', defaults.host)
    .option('--port <port>', 'TCP port (0 picks a free one)', intOption(0, 65535), defaults.port)
    .option('--lock-ttl <seconds>', 'session lock expiry without a heartbeat', intOption(1, 86400), 30)
    .option('--pin-key <file>', 'PIN key file, created on first start (default: <db>.pin-key)')
    .option('--max-connections <n>', 'open connections in all', intOption(1, 100000), defaults.connectionsMax)
    .option('--max-connections-per-peer <n>', 'open connections from one address', intOption(1, 100000), defaults.connectionsPerPeerMax)
    .option('--idle-timeout <seconds>', 'close a logged-in connection silent this long', intOption(1, 86400), defaults.sessionIdleMs / 1000)
    .option('--tls-cert <pem>', 'serve TLS with this certificate (needs --tls-key)')
    .option('--tls-key <pem>', 'private key for --tls-cert')
    .option('--demo', 'load the demo accounts from seed/ if the database has none')
    .option('--quiet', 'log nothing but the listening line and errors')
    .addHelpText('after', '\nExamples:\n  bank server --db bank.sqlite --demo\n  bank server --db bank.sqlite --host 0.0.0.0 --port 65432')
    .action(async (flags) => {
      if (Boolean(flags.tlsCert) !== Boolean(flags.tlsKey)) throw new Error('--tls-cert and --tls-key go together');
      const config = {
        ...defaultServerConfig(flags.db),
        host: flags.host,
        port: flags.port,
        lockTtlMs: flags.lockTtl * 1000,
        connectionsMax: flags.maxConnections,
        connectionsPerPeerMax: Math.min(flags.maxConnectionsPerPeer, flags.maxConnections),
        sessionIdleMs: flags.idleTimeout * 1000,
        quiet: Boolean(flags.quiet),
        ...(flags.pinKey ? { pinKeyFile: flags.pinKey } : {}),
        ...(flags.tlsCert ? { tls: { certFile: flags.tlsCert, keyFile: flags.tlsKey } } : {}),
      };
      await runServer(config, Boolean(flags.demo));
    });
}
