import type { CodeNumber } from '../protocol/codes.js';
import type { AccountId } from '../protocol/messages.js';
import type { Store } from '../store/sqlite/db.js';
import type { Committer } from './committer.js';
import type { ServerConfig } from './config.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import type { LoginGuards } from './pin-budget.js';

/** What every handler may use: the database, the batcher, the bounds, the clock, the log. */
export interface ServerContext {
  store: Store;
  committer: Committer;
  config: ServerConfig;
  pinKey: Buffer;
  logins: LoginGuards;
  /** One info line; ctx.logger for other levels and structured fields. */
  log: (line: string) => void;
  logger: Logger;
  /** Counters for /metrics: noMetrics (no-ops) unless the server runs with --metrics. */
  metrics: Metrics;
  now: () => number;
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
}

/** The audit fields a handler supplies; time, connection and peer are filled in. */
export interface AuditFacts {
  op: string;
  code: CodeNumber | null;
  account?: AccountId | null;
  amountCents?: number | null;
  balanceCents?: number | null;
  txnId?: string | null;
}
