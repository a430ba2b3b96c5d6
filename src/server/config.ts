import { assert } from '../assert.js';
import { Limits } from '../protocol/limits.js';
import { defaultPinKeyFile } from '../pin.js';
import type { LogFormat, LogLevel } from './log.js';

/** How a server runs: where, with which database, and every operational bound (PROTOCOL.md §7). */
export interface ServerConfig {
  host: string;
  port: number;
  dbFile: string;
  /** File holding the PIN key (HMAC pepper); BANK_PIN_KEY overrides it. */
  pinKeyFile: string;
  /** A session lock whose heartbeat is older than this has expired. */
  lockTtlMs: number;
  /** Open connections in all; one more is answered 91 and closed. */
  connectionsMax: number;
  /** Open connections from one peer address; stops one host from taking every slot. */
  connectionsPerPeerMax: number;
  /** Time without a complete request before a connection is closed, before and after login. */
  anonIdleMs: number;
  sessionIdleMs: number;
  /** Time allowed to finish a line once its first byte arrived (slow-drip clients). */
  frameMsMax: number;
  /** Requests read but not yet answered on one connection; more closes it. */
  requestsQueuedMax: number;
  /** Reply bytes waiting for a peer that does not read; past this the server stops reading it. */
  writeBufferBytesMax: number;
  /** Refused requests (30, 12) a connection may send before logging in; one more closes it. */
  anonErrorsMax: number;
  /** Failed logins one connection may make; after that every LOGIN is answered 65. */
  loginFailuresPerConnMax: number;
  /** Failed logins one peer address may make per minute before its logins are answered 65. */
  loginFailuresPerPeerPerMinute: number;
  /** Requests applied in one SQLite transaction by group commit. */
  batchOpsMax: number;
  /** Log lines at this level and above go to stdout (`--quiet` is `warn`). */
  logLevel: LogLevel;
  /** `text` for people, `json` (one object per line) for log collectors. */
  logFormat: LogFormat;
  /** Serve Prometheus /metrics and /healthz here; off when absent. */
  metrics?: { host: string; port: number };
  tls?: { certFile: string; keyFile: string };
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
    connectionsPerPeerMax: 200,
    anonIdleMs: 30_000,
    sessionIdleMs: 300_000,
    frameMsMax: 10_000,
    requestsQueuedMax: 32,
    writeBufferBytesMax: 16 * 1024,
    anonErrorsMax: 10,
    loginFailuresPerConnMax: 5,
    loginFailuresPerPeerPerMinute: 30,
    batchOpsMax: 512,
    logLevel: 'info',
    logFormat: 'text',
  };
}

/** Rejects a configuration whose bounds contradict each other. */
export function checkServerConfig(config: ServerConfig): void {
  assert(config.lockTtlMs >= 1000, 'the lock TTL is at least a second');
  assert(config.connectionsPerPeerMax <= config.connectionsMax, 'per-peer fits in the total');
  assert(config.requestsQueuedMax >= 1, 'at least one request may wait');
  assert(config.writeBufferBytesMax >= Limits.replyBytesMax, 'a reply fits the write buffer');
  assert(config.batchOpsMax >= 1, 'a batch holds at least one request');
}
