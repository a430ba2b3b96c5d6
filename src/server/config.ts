import { assert } from '../assert.js';
import { Limits } from '../protocol/limits.js';
import { defaultPinKeyFile } from '../pin.js';
import type { LogFormat, LogLevel } from './observe/log.js';
import type { Cidr } from './admission/trust.js';

/** How a server runs: where, with which database, and every operational bound (PROTOCOL.md §7). */
export interface ServerConfig {
  host: string;
  port: number;
  dbFile: string;
  /** File holding the PIN key (HMAC pepper); BANK_PIN_KEY overrides it. */
  pinKeyFile: string;
  /** A session lock whose heartbeat is older than this has expired. */
  lockTtlMs: number;
  /**
   * Open connections in all, counted from the TCP accept (before any TLS handshake); one more is
   * refused. Lowered at start to fit the open-file limit (fd-headroom.ts).
   */
  connectionsMax: number;
  /** Open connections from one address group (IPv4 /24, IPv6 /64): one group cannot take all. */
  connectionsPerGroupMax: number;
  /** Connects one address group may make per second; one more bans the group for connectBanMs. */
  connectsPerGroupPerSecond: number;
  /** How long a group over its connect rate has every new connection refused at once. */
  connectBanMs: number;
  /** Time a TLS connection has from the TCP accept to a finished handshake. */
  handshakeMsMax: number;
  /** Time from connect, or from leaving a session, to a successful LOGIN; refusals add none. */
  loginMsMax: number;
  /** Time without a complete request before a session is closed (after login only). */
  sessionIdleMsMax: number;
  /** Time allowed to finish a line once its first byte arrived (slow-drip clients). */
  frameMsMax: number;
  /** Requests read but not yet answered on one connection; more closes it. */
  requestsQueuedMax: number;
  /** Reply bytes waiting for a peer that does not read; past this the server stops reading it. */
  writeBufferBytesMax: number;
  /**
   * Requests refused (any code but 00) while not logged in that one connection may send, counted
   * from connect or from leaving a session; one more is answered, then the connection closed.
   */
  anonErrorsMax: number;
  /** Failed logins one connection may make; after that every LOGIN is answered 65. */
  loginFailuresPerConnMax: number;
  /** Failed logins one address group (IPv4 /24, IPv6 /64) may make in a 60 s window before its
   * logins are answered 65 (PROTOCOL.md §5.2). */
  loginFailuresPerPeerPerMinute: number;
  /**
   * Networks exempt from the per-group connection cap, connect rate and failed-login limit
   * (`--trust`); still under the global caps and every per-account block (PROTOCOL.md §7).
   */
  trust: Cidr[];
  /** Requests one group-commit batch applies in one database transaction. */
  batchOpsMax: number;
  /**
   * How long a request waits for a database that cannot take it (unreachable, restarting,
   * full) before it is answered 91 (src/server/outage.ts); 0 answers 91 at once.
   */
  dbWaitMs: number;
  /** Log lines at this level and above go to stdout (`--quiet` is `warn`). */
  logLevel: LogLevel;
  /** `text` for people, `json` (one object per line) for log collectors. */
  logFormat: LogFormat;
  /** Serve Prometheus /metrics and /healthz here; off when absent. */
  metrics?: { host: string; port: number };
  tls?: { certFile: string; keyFile: string };
  /** What this server's lock holders start with; `<hostname>:<port>` unless given. */
  serverName?: string;
}

/** The defaults behind `bank server`; each may be overridden by a flag. */
export function defaultServerConfig(dbFile = 'bank.sqlite'): ServerConfig {
  return {
    host: '127.0.0.1',
    port: 65432,
    dbFile,
    pinKeyFile: defaultPinKeyFile(dbFile),
    lockTtlMs: 30_000,
    connectionsMax: 2_000,
    connectionsPerGroupMax: 200,
    connectsPerGroupPerSecond: 100,
    connectBanMs: 10_000,
    handshakeMsMax: 5_000,
    loginMsMax: 30_000,
    sessionIdleMsMax: 300_000,
    frameMsMax: 10_000,
    requestsQueuedMax: 32,
    writeBufferBytesMax: 16 * 1024,
    anonErrorsMax: 10,
    loginFailuresPerConnMax: 5,
    loginFailuresPerPeerPerMinute: 30,
    trust: [],
    batchOpsMax: 512,
    dbWaitMs: 10_000,
    logLevel: 'info',
    logFormat: 'text',
  };
}

/** Rejects a configuration whose bounds contradict each other. */
export function checkServerConfig(config: ServerConfig): void {
  assert(config.lockTtlMs >= 1000, 'the lock TTL is at least a second');
  assert(config.connectionsMax >= 1, 'at least one connection is allowed');
  assert(config.connectionsPerGroupMax >= 1, 'at least one connection per group is allowed');
  assert(config.connectionsPerGroupMax <= config.connectionsMax, 'per-group fits in the total');
  assert(config.connectsPerGroupPerSecond >= 1, 'a group may connect at least once a second');
  assert(config.loginFailuresPerPeerPerMinute >= 1, 'a group may fail to log in at least once');
  assert(config.connectBanMs >= 1000, 'a connect ban lasts at least a second');
  assert(config.handshakeMsMax >= 1000, 'a TLS handshake gets at least a second');
  assert(config.handshakeMsMax <= config.loginMsMax, 'the handshake fits in the time to log in');
  assert(config.anonErrorsMax >= config.loginFailuresPerConnMax, 'failed logins fit the budget');
  assert(config.requestsQueuedMax >= 1, 'at least one request may wait');
  assert(config.writeBufferBytesMax >= Limits.replyBytesMax, 'a reply fits the write buffer');
  assert(config.batchOpsMax >= 1, 'a batch holds at least one request');
  assert(config.dbWaitMs >= 0 && config.dbWaitMs <= DB_WAIT_MS_MAX, '--db-wait is 0 to 60 s');
}

/**
 * The longest --db-wait. The bank's ATM gives up on a reply after 20 s (src/atm/teller.ts), so
 * the default 10 s answers well within it; other clients may wait longer, but a request held a
 * minute is one no customer is still standing at the ATM for.
 */
export const DB_WAIT_MS_MAX = 60_000;
