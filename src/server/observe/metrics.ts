import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { Code } from '../../protocol/codes.js';

/** Live counts the server reports when scraped (read at scrape time, not kept up to date). */
export interface MetricGauges {
  connections: () => number;
  sessions: () => number;
}

/**
 * What the server tells its metrics. Every part of the server may call these; with metrics off
 * they are the no-ops of noMetrics, so callers never check.
 */
export interface Metrics {
  /** One answered request: its verb, its code and its time from read to reply. */
  request(verb: string, code: number, ms: number): void;
  /** One committed batch (group commit): how many requests it held and how long COMMIT took. */
  commit(batchOps: number, ms: number): void;
  /** A connection turned away by a limit, with the limit's name (`max-connections`, …). */
  refused(reason: string): void;
  /** A connection the server closed for breaking a rule (`idle`, `slow-frame`, …). */
  dropped(reason: string): void;
  /** A login took over an expired session lock from another holder. */
  lockTakenOver(): void;
  /** A wrong PIN started a block: of its address group only, or of the account everywhere. */
  lockout(scope: 'group' | 'account'): void;
  /** A storage outage began (src/server/outage.ts). */
  outage(): void;
  /** A request answered 91 because the database could not take it in time, by verb. */
  turnedAway(verb: string): void;
  /** An address group first limited in a window, by the limit (PROTOCOL.md §7; logged too). */
  limited(reason: LimitReason): void;
  /** Registers the live counts to read at each scrape. */
  watch(gauges: MetricGauges): void;
}

/** The per-group limits whose first refusal in a window is logged and counted. */
export const LIMIT_REASONS = [
  'failed-logins',
  'connect-rate',
  'max-connections-per-group',
] as const;
export type LimitReason = (typeof LIMIT_REASONS)[number];

/** Metrics off: every call does nothing. */
export const noMetrics: Metrics = {
  request: () => {},
  commit: () => {},
  refused: () => {},
  dropped: () => {},
  lockTakenOver: () => {},
  lockout: () => {},
  outage: () => {},
  turnedAway: () => {},
  limited: () => {},
  watch: () => {},
};

/** Metrics on: prom-client counters and histograms in their own registry, for /metrics. */
export interface PromMetrics extends Metrics {
  registry: Registry;
}

const MS_PER_SECOND = 1000;
// Requests are answered in about a millisecond (one fsync per batch); the tail matters.
const LATENCY_BUCKETS_S = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

/** Creates the bank's metrics and prom-client's process defaults in a fresh registry. */
export function createMetrics(): PromMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const m = defineMetrics(registry);
  // Known series start at 0, so a rate() over them works before the first event.
  for (const event of ['expired_reply', 'taken_over']) m.locksExpired.inc({ event }, 0);
  for (const scope of ['group', 'account']) m.lockouts.inc({ scope }, 0);
  m.outages.inc(0);
  for (const reason of ['max-connections', 'max-connections-per-peer']) {
    m.refused.inc({ reason }, 0);
  }
  for (const reason of LIMIT_REASONS) m.limited.inc({ reason }, 0);
  return {
    registry,
    request: (verb, code, ms) => {
      m.requests.inc({ verb, code: String(code).padStart(2, '0') });
      m.latency.observe(ms / MS_PER_SECOND);
      if (code === Code.sessionExpired) m.locksExpired.inc({ event: 'expired_reply' });
    },
    commit: (batchOps, ms) => {
      m.batchOps.observe(batchOps);
      m.commitSeconds.observe(ms / MS_PER_SECOND);
    },
    refused: (reason) => m.refused.inc({ reason }),
    dropped: (reason) => m.dropped.inc({ reason }),
    lockTakenOver: () => m.locksExpired.inc({ event: 'taken_over' }),
    lockout: (scope) => m.lockouts.inc({ scope }),
    outage: () => m.outages.inc(),
    turnedAway: (verb) => m.turnedAway.inc({ verb }),
    limited: (reason) => m.limited.inc({ reason }),
    watch: (gauges) => watchGauges(registry, gauges),
  };
}

/** The bank's own counters and histograms. */
function defineMetrics(registry: Registry) {
  const registers = [registry];
  return {
    ...requestMetrics(registers),
    ...connectionMetrics(registers),
    ...safetyMetrics(registers),
  };
}

/** Requests: how many, how fast, and how they are committed. */
function requestMetrics(registers: Registry[]) {
  return {
    requests: new Counter({
      name: 'bank_requests_total',
      help: 'Requests answered, by verb and result code (PROTOCOL.md §6)',
      labelNames: ['verb', 'code'] as const,
      registers,
    }),
    latency: new Histogram({
      name: 'bank_request_duration_seconds',
      help: 'Time from reading a request to its reply',
      buckets: LATENCY_BUCKETS_S,
      registers,
    }),
    batchOps: new Histogram({
      name: 'bank_commit_batch_requests',
      help: 'Requests applied per group-commit transaction',
      buckets: BATCH_BUCKETS,
      registers,
    }),
    commitSeconds: new Histogram({
      name: 'bank_commit_duration_seconds',
      help: 'Time to run and COMMIT one batch (fsync included)',
      buckets: LATENCY_BUCKETS_S,
      registers,
    }),
  };
}

/** Connections turned away or dropped, and address groups held back. */
function connectionMetrics(registers: Registry[]) {
  return {
    refused: new Counter({
      name: 'bank_connections_refused_total',
      help: 'Connections turned away by a limit, by limit',
      labelNames: ['reason'] as const,
      registers,
    }),
    dropped: new Counter({
      name: 'bank_connections_dropped_total',
      help: 'Connections closed by the server for breaking a rule, by rule',
      labelNames: ['reason'] as const,
      registers,
    }),
    limited: new Counter({
      name: 'bank_groups_limited_total',
      help:
        'Address groups first ' +
        'limited in a window (logged once each), by limit: failed-logins (65), connect-rate (a ' +
        'ban), max-connections-per-group',
      labelNames: ['reason'] as const,
      registers,
    }),
  };
}

/** What guards the accounts and the data: locks, lock-outs, storage outages. */
function safetyMetrics(registers: Registry[]) {
  return {
    locksExpired: new Counter({
      name: 'bank_locks_expired_total',
      help:
        'Session locks found ' +
        'expired: 68 answered (expired_reply) or taken over by a new login (taken_over)',
      labelNames: ['event'] as const,
      registers,
    }),
    lockouts: new Counter({
      name: 'bank_lockouts_total',
      help:
        'Blocks started by wrong PINs ' +
        '(PROTOCOL.md §5.2): of one address group on an account (group), or of the account ' +
        'everywhere (account)',
      labelNames: ['scope'] as const,
      registers,
    }),
    outages: new Counter({
      name: 'bank_storage_outages_total',
      help:
        'Times the database ' +
        'stopped taking requests (unreachable, restarting, full, failing I/O)',
      registers,
    }),
    turnedAway: new Counter({
      name: 'bank_storage_turned_away_total',
      help:
        'Requests answered ' +
        '91 because the database did not take them within --db-wait, by verb',
      labelNames: ['verb'] as const,
      registers,
    }),
  };
}

/** Gauges read when scraped: open connections and logged-in sessions. */
function watchGauges(registry: Registry, gauges: MetricGauges): void {
  new Gauge({
    name: 'bank_connections_open',
    help: 'Open client connections',
    registers: [registry],
    collect() {
      this.set(gauges.connections());
    },
  });
  new Gauge({
    name: 'bank_sessions_live',
    help: 'Connections logged in to an account',
    registers: [registry],
    collect() {
      this.set(gauges.sessions());
    },
  });
}
