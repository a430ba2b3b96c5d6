import type { AccountId } from '../protocol/messages.js';
import type { Origin } from '../rules/requests.js';
import type { Engine } from '../store/engine.js';
import type { ServerConfig } from './config.js';
import type { Logger } from './observe/log.js';
import type { Metrics } from './observe/metrics.js';
import type { LoginGuards } from './admission/pin-budget.js';

/** What every handler may use: the storage engine, the bounds, the clock, the log. */
export interface ServerContext {
  engine: Engine;
  config: ServerConfig;
  pinKey: Buffer;
  logins: LoginGuards;
  /** One info line; ctx.logger for other levels and structured fields. */
  log: (line: string) => void;
  logger: Logger;
  /** Counters for /metrics: noMetrics (no-ops) unless the server runs with --metrics. */
  metrics: Metrics;
  /** The wall clock, in milliseconds (Date.now; a fake one in tests). */
  nowMs: () => number;
}

/** A connection as handlers see it: who is on the other end and whether they are logged in. */
export interface Peer {
  id: number;
  address: string;
  /** Unique to this connection in this server's life; names it as a lock holder. */
  holder: string;
  session: { account: AccountId } | null;
  loginFailures: number;
  /** Set once the socket has closed: a PIN check still waiting for it is dropped. */
  closed?: boolean;
  /** performance.now() when the request being answered arrived: its --db-wait counts from it. */
  requestAtMs?: number;
}

/** A connection as the rules name it: its audit connection and peer, and its lock holder. */
export function originOf(peer: Peer): Origin {
  return { conn: peer.id, peer: peer.address, holder: peer.holder };
}
