import { InvalidArgumentError, Option, type Command } from 'commander';
import { defaultServerConfig, type ServerConfig } from '../../server/config.js';
import { FD_HEADROOM, REFUSALS_OPEN_MAX } from '../../server/admission/fd-headroom.js';
import {
  LOG_FORMATS,
  LOG_LEVELS,
  type LogFormat,
  type LogLevel,
} from '../../server/observe/log.js';
import { runServer } from '../../server/run.js';
import { parseCidrList, type Cidr } from '../../server/admission/trust.js';
import { hostOption, intOption, listenAddressOption, type ListenAddress } from '../options.js';

const KEPT_FDS = FD_HEADROOM + REFUSALS_OPEN_MAX;
const EXAMPLES = `
Connection limits count per address group: an IPv4 /24 or an IPv6 /64. At start the connection
cap is lowered to fit the open-file limit less ${KEPT_FDS} descriptors (database, listeners,
refusals), and logged. --idle-timeout applies in a session only; before login, --login-timeout.
--trust lifts the per-group limits (connections, connects a second, failed logins) for networks
you name; the connection cap in all, the PIN-check budget and per-account blocks still hold.

Examples:
  bank server --db bank.sqlite --demo              demo accounts, this machine only
  bank server --db bank.sqlite --host 0.0.0.0      reachable from other machines
  bank server --db bank.sqlite --host 0.0.0.0 --trust 10.20.0.0/24   ATMs behind a concentrator
  bank server --db bank.sqlite --tls-cert cert.pem --tls-key key.pem
  bank server --db bank.sqlite --metrics 9464 --log-format json | tee -i -a bank.log
  bank server --db postgres://bank@db.example/bank --host 0.0.0.0   one of several servers`;

/** A server name: what its lock holders start with, so no '/' and nothing unprintable. */
function serverNameOption(text: string): string {
  if (!/^[\x21-\x2e\x30-\x7e]{1,64}$/.test(text)) {
    throw new InvalidArgumentError('1 to 64 printable characters, no spaces and no "/"');
  }
  return text;
}

/** `bank server`: runs the bank server until SIGINT/SIGTERM. */
export function addServerCommand(program: Command): void {
  const defaults = defaultServerConfig();
  const command = program
    .command('server')
    .description('run the bank server')
    .option(
      '--db <file|url>',
      'the bank: a SQLite file (created if missing) or a postgres:// URL',
      defaults.dbFile,
    )
    .option(
      '--host <address>',
      'address to listen on (0.0.0.0: every interface; not empty)',
      hostOption,
      defaults.host,
    )
    .option('--port <port>', 'TCP port (0 picks a free one)', intOption(0, 65535), defaults.port)
    .option(
      '--pin-key <file>',
      'PIN key file, created on first start (default: <file>.pin-key ' +
        'for a SQLite file; <database name>.pin-key in the current folder for a postgres:// URL)',
    )
    .option(
      '--server-name <name>',
      "names this server's session locks; a restart under the " +
        'same name frees the locks it left (default: <hostname>:<port>)',
      serverNameOption,
    );
  addServerLimitOptions(command);
  command
    .option('--tls-cert <pem>', 'serve TLS with this certificate (needs --tls-key)')
    .option('--tls-key <pem>', 'private key for --tls-cert')
    .option('--demo', 'load the demo accounts from seed/ if the database has none');
  addServerOutputOptions(command);
  command
    .addHelpText('after', EXAMPLES)
    .action(async (flags: ServerFlags) => runServer(serverConfig(flags), Boolean(flags.demo)));
}

/** One limit flag: its name and argument, what it bounds, its parser, and its default. */
type LimitOption = [
  flags: string,
  description: string,
  parse: (text: string) => unknown,
  fallback?: number,
];

/** The bounds of PROTOCOL.md §7 that are flags; cli/main.ts adds each one's range to --help. */
function addServerLimitOptions(command: Command): void {
  for (const [flags, description, parse, fallback] of serverLimitOptions()) {
    command.option(flags, description, parse, fallback);
  }
}

/** The limit flags in --help's order, each with its range (intOption) and default. */
function serverLimitOptions(): LimitOption[] {
  const defaults = defaultServerConfig();
  return [
    ...connectionLimitOptions(defaults),
    ...timeLimitOptions(defaults),
    ...loginLimitOptions(defaults),
  ];
}

/** How many connections, from whom, and how long a lock outlives its heartbeat. */
function connectionLimitOptions(d: ServerConfig): LimitOption[] {
  const count = intOption(1, 100_000);
  return [
    [
      '--lock-ttl <seconds>',
      'session lock expiry without a heartbeat',
      intOption(1, 86_400),
      d.lockTtlMs / 1000,
    ],
    ['--max-connections <n>', 'open connections in all', count, d.connectionsMax],
    [
      '--max-connections-per-peer <n>',
      'open connections from one address group (IPv4 /24, IPv6 /64)',
      count,
      d.connectionsPerGroupMax,
    ],
    [
      '--max-connects-per-second <n>',
      'connects one address group may make in a second; more bans it',
      count,
      d.connectsPerGroupPerSecond,
    ],
    [
      '--connect-ban <seconds>',
      'how long a banned group is refused',
      intOption(1, 3600),
      d.connectBanMs / 1000,
    ],
  ];
}

/** How long each stage of a connection, and a request waiting for the database, may take. */
function timeLimitOptions(d: ServerConfig): LimitOption[] {
  const seconds = intOption(1, 86_400);
  return [
    [
      '--handshake-timeout <seconds>',
      'close a TLS connection whose handshake is not done this long after connect',
      intOption(1, 60),
      d.handshakeMsMax / 1000,
    ],
    [
      '--login-timeout <seconds>',
      'close a connection not logged in this long after connect or LOGOUT',
      intOption(1, 3600),
      d.loginMsMax / 1000,
    ],
    [
      '--idle-timeout <seconds>',
      'close a session silent this long',
      seconds,
      d.sessionIdleMsMax / 1000,
    ],
    [
      '--db-wait <seconds>',
      'how long a request waits for a database that is away ' +
        '(unreachable, restarting, full) before it is answered 91',
      intOption(0, 60),
      d.dbWaitMs / 1000,
    ],
    [
      '--frame-timeout <seconds>',
      'close a connection slower to finish a line',
      seconds,
      d.frameMsMax / 1000,
    ],
  ];
}

/** The failed-login limit of an address group, and the networks exempt from it (§5.2, §7). */
function loginLimitOptions(d: ServerConfig): LimitOption[] {
  return [
    [
      '--failed-logins-per-group <n>',
      'failed logins one address group may make in a 60 s window before its LOGINs get 65',
      intOption(1, 10_000),
      d.loginFailuresPerPeerPerMinute,
    ],
    [
      '--trust <cidr,...>',
      'networks exempt from the per-group connection cap, connect rate ' +
        'and failed-login limit (e.g. 10.1.2.0/24,2001:db8::/48; default: none)',
      trustOption,
    ],
  ];
}

/** `--trust 10.1.2.0/24,2001:db8::/48`: the networks, or commander's error naming a bad one. */
function trustOption(text: string): Cidr[] {
  try {
    return parseCidrList(text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** Where the server reports: log level and format, and the metrics listener. */
function addServerOutputOptions(command: Command): void {
  const defaults = defaultServerConfig();
  command
    .option('--quiet', 'log only warnings, errors and the listening line (= --log-level warn)')
    .addOption(
      new Option('--log-level <level>', 'least severe log lines printed (default: info)').choices(
        LOG_LEVELS,
      ),
    )
    .addOption(
      new Option('--log-format <format>', 'text for people, json for log collectors')
        .choices(LOG_FORMATS)
        .default(defaults.logFormat),
    )
    .option(
      '--metrics <[host:]port>',
      'serve Prometheus /metrics and /healthz here (off by default; a bare port is 127.0.0.1)',
      listenAddressOption,
    );
}

interface ServerFlags {
  db: string;
  host: string;
  port: number;
  lockTtl: number;
  pinKey?: string;
  maxConnections: number;
  maxConnectionsPerPeer: number;
  maxConnectsPerSecond: number;
  connectBan: number;
  failedLoginsPerGroup: number;
  trust?: Cidr[];
  handshakeTimeout: number;
  loginTimeout: number;
  idleTimeout: number;
  frameTimeout: number;
  dbWait: number;
  tlsCert?: string;
  tlsKey?: string;
  demo?: boolean;
  quiet?: boolean;
  logLevel?: LogLevel;
  logFormat: LogFormat;
  metrics?: ListenAddress;
  serverName?: string;
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
    loginFailuresPerPeerPerMinute: flags.failedLoginsPerGroup,
    trust: flags.trust ?? [],
    // The handshake is part of the time to log in: a longer one could never be used.
    handshakeMsMax: Math.min(flags.handshakeTimeout, flags.loginTimeout) * 1000,
    loginMsMax: flags.loginTimeout * 1000,
    sessionIdleMsMax: flags.idleTimeout * 1000,
    frameMsMax: flags.frameTimeout * 1000,
    dbWaitMs: flags.dbWait * 1000,
    logLevel: flags.logLevel ?? (flags.quiet ? 'warn' : 'info'),
    logFormat: flags.logFormat,
    ...(flags.metrics ? { metrics: flags.metrics } : {}),
    ...(flags.pinKey ? { pinKeyFile: flags.pinKey } : {}),
    ...(flags.serverName ? { serverName: flags.serverName } : {}),
    ...(flags.tlsCert ? { tls: { certFile: flags.tlsCert, keyFile: flags.tlsKey! } } : {}),
  };
}
