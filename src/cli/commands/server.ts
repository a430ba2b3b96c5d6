import type { Command } from 'commander';
import { defaultServerConfig, type ServerConfig } from '../../server/config.js';
import { FD_HEADROOM, REFUSALS_OPEN_MAX } from '../../server/fd-headroom.js';
import { runServer } from '../../server/run.js';
import { intOption } from '../options.js';

const KEPT_FDS = FD_HEADROOM + REFUSALS_OPEN_MAX;
const EXAMPLES = `
Connection limits count per address group: an IPv4 /24 or an IPv6 /64. At start the connection
cap is lowered to fit the open-file limit less ${KEPT_FDS} descriptors (database, listeners,
refusals), and logged. --idle-timeout applies in a session only; before login, --login-timeout.

Examples:
  bank server --db bank.sqlite --demo              demo accounts, this machine only
  bank server --db bank.sqlite --host 0.0.0.0      reachable from other machines
  bank server --db bank.sqlite --tls-cert cert.pem --tls-key key.pem`;

/** `bank server`: runs the bank server until SIGINT/SIGTERM. */
export function addServerCommand(program: Command): void {
  const d = defaultServerConfig();
  const command = program
    .command('server')
    .description('run the bank server')
    .option('--db <file>', 'SQLite database file (created if missing)', 'bank.sqlite')
    .option('--host <address>', 'address to listen on (0.0.0.0: every interface)', d.host)
    .option('--port <port>', 'TCP port, 0 to 65535 (0 picks a free one)', intOption(0, 65535),
      d.port)
    .option('--pin-key <file>', 'PIN key file, created on first start (default: <db>.pin-key)');
  addServerLimitOptions(command);
  command
    .option('--tls-cert <pem>', 'serve TLS with this certificate (needs --tls-key)')
    .option('--tls-key <pem>', 'private key for --tls-cert')
    .option('--demo', 'load the demo accounts from seed/ if the database has none')
    .option('--quiet', 'log nothing but the listening line and errors')
    .addHelpText('after', EXAMPLES)
    .action(async (flags: ServerFlags) => runServer(serverConfig(flags), Boolean(flags.demo)));
}

/** The bounds of PROTOCOL.md §7 that are flags, each with its range. */
function addServerLimitOptions(command: Command): void {
  const d = defaultServerConfig();
  const count = intOption(1, 100_000);
  const seconds = intOption(1, 86_400);
  command
    .option('--lock-ttl <seconds>', 'session lock expiry without a heartbeat, 1 to 86400',
      seconds, d.lockTtlMs / 1000)
    .option('--max-connections <n>', 'open connections in all, 1 to 100000', count,
      d.connectionsMax)
    .option('--max-connections-per-peer <n>',
      'open connections from one address group (IPv4 /24, IPv6 /64), 1 to 100000', count,
      d.connectionsPerGroupMax)
    .option('--max-connects-per-second <n>',
      'connects one address group may make in a second, 1 to 100000; more bans it', count,
      d.connectsPerGroupPerSecond)
    .option('--connect-ban <seconds>', 'how long a banned group is refused, 1 to 3600',
      intOption(1, 3600), d.connectBanMs / 1000)
    .option('--handshake-timeout <seconds>',
      'close a TLS connection whose handshake is not done this long after connect, 1 to 60',
      intOption(1, 60), d.handshakeMs / 1000)
    .option('--login-timeout <seconds>',
      'close a connection not logged in this long after connect or LOGOUT, 1 to 3600',
      intOption(1, 3600), d.loginMs / 1000)
    .option('--idle-timeout <seconds>', 'close a session silent this long, 1 to 86400', seconds,
      d.sessionIdleMs / 1000)
    .option('--frame-timeout <seconds>', 'close a connection slower to finish a line, 1 to 86400',
      seconds, d.frameMsMax / 1000);
}

interface ServerFlags {
  db: string; host: string; port: number; lockTtl: number; pinKey?: string;
  maxConnections: number; maxConnectionsPerPeer: number; maxConnectsPerSecond: number;
  connectBan: number; handshakeTimeout: number; loginTimeout: number; idleTimeout: number;
  frameTimeout: number; tlsCert?: string; tlsKey?: string; demo?: boolean; quiet?: boolean;
}

/** The server configuration the flags describe. */
function serverConfig(flags: ServerFlags): ServerConfig {
  if (Boolean(flags.tlsCert) !== Boolean(flags.tlsKey)) {
    throw new Error('--tls-cert and --tls-key go together');
  }
  return {
    ...defaultServerConfig(flags.db),
    host: flags.host,
    port: flags.port,
    lockTtlMs: flags.lockTtl * 1000,
    connectionsMax: flags.maxConnections,
    connectionsPerGroupMax: Math.min(flags.maxConnectionsPerPeer, flags.maxConnections),
    connectsPerGroupPerSecond: flags.maxConnectsPerSecond,
    connectBanMs: flags.connectBan * 1000,
    // The handshake is part of the time to log in: a longer one could never be used.
    handshakeMs: Math.min(flags.handshakeTimeout, flags.loginTimeout) * 1000,
    loginMs: flags.loginTimeout * 1000,
    sessionIdleMs: flags.idleTimeout * 1000,
    frameMsMax: flags.frameTimeout * 1000,
    quiet: Boolean(flags.quiet),
    ...(flags.pinKey ? { pinKeyFile: flags.pinKey } : {}),
    ...(flags.tlsCert ? { tls: { certFile: flags.tlsCert, keyFile: flags.tlsKey! } } : {}),
  };
}
