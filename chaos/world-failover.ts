// The fail-over world of a chaos run: two bank servers on a PostgreSQL primary with a synchronous
// streaming standby (test/helpers/standby.ts, Debian's binaries), reaching them through the
// multi-host --db URL with target_session_attrs=read-write. The nemesis kills the primary and
// promotes the standby (at most once a run: no new standby is built from the promoted one, so a
// second fail-over would have nothing to fail over to), terminates the servers' backends on the
// serving primary, and freezes or kills a server.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withClient } from '../test/helpers/embedded-postgres.js';
import { runBank } from '../test/helpers/server.js';
import { debianPostgresBin, type StandbyPair, startStandbyPair } from '../test/helpers/standby.js';
import type { Customer } from '../test/helpers/customers.js';
import { ChaosServer } from './bank-servers.js';
import { chaosAccounts, type EngineWorld } from './run-engine.js';
import type { Fault, FaultKind } from './schedule.js';

const DATABASE = 'chaos_bank';
const SERVERS = 2;
const KINDS: FaultKind[] = ['failover', 'pg-terminate', 'server-stop', 'server-kill'];

/** Kills what a fail-over world started, at once (a hard stop of the run). */
export const failoverHardStops: (() => void)[] = [];

/** Why this machine cannot build the fail-over world, or null when it can. */
export function failoverUnavailable(): string | null {
  return debianPostgresBin() === null
    ? "no pg_basebackup under /usr/lib/postgresql/*/bin (Debian's postgresql package)"
    : null;
}

/** Sets up the primary and standby, the seeded bank and its two servers (started). */
export async function failoverWorld(
  customers: Customer[],
  serverArgs: string[],
): Promise<EngineWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'bank-chaos-failover-'));
  const pair = await startStandbyPair();
  failoverHardStops.push(pair.kill);
  await withClient(pair.url(pair.primaryPort), (client) =>
    client.query(`CREATE DATABASE ${DATABASE}`),
  );
  // The standby first: until the fail-over, libpq passes it over for the primary.
  const hosts = [pair.standbyPort, pair.primaryPort];
  const db = pair.hostsUrl(hosts, DATABASE, 'target_session_attrs=read-write');
  const pinKey = join(dir, 'bank.pin-key');
  writeFileSync(join(dir, 'accounts.txt'), chaosAccounts(customers));
  const seeded = runBank(
    ['admin', 'seed', '--db', db, '--file', join(dir, 'accounts.txt')].concat([
      '--pin-key',
      pinKey,
    ]),
  );
  if (seeded.code !== 0) throw new Error(`seeding the fail-over bank: ${seeded.stderr}`);
  const servers = Array.from(
    { length: SERVERS },
    (_, i) =>
      new ChaosServer(db, ['--pin-key', pinKey, '--server-name', `chaos-${i + 1}`, ...serverArgs]),
  );
  for (const server of servers) await server.start();
  const state = { pair, servers, primaryPort: pair.primaryPort };
  return {
    engine: 'failover',
    // The ledger is read and verified on the server that takes writes at the end, directly.
    get db() {
      return pair.url(state.primaryPort, DATABASE);
    },
    servers,
    kinds: KINDS,
    skipped: [{ kind: 'failover (a second)', why: 'at most one a run: no standby is rebuilt' }],
    inject: (fault) => injectFailover(fault, state),
    heal: (fault) => healFailover(fault, state),
    teardown: async () => {
      await pair.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface FailoverParts {
  pair: StandbyPair;
  servers: ChaosServer[];
  /** The port of the server that takes writes now: the primary's, then the promoted one's. */
  primaryPort: number;
}

/** Starts one fault; a fail-over is whole when this returns (the standby takes writes). */
async function injectFailover(fault: Fault, parts: FailoverParts): Promise<void> {
  const server = parts.servers[fault.server]!;
  switch (fault.kind) {
    case 'failover':
      await parts.pair.killPrimary();
      await parts.pair.promote();
      parts.primaryPort = parts.pair.standbyPort;
      return;
    case 'pg-terminate':
      await terminate(parts.pair.url(parts.primaryPort));
      return;
    case 'server-stop':
      return server.freeze();
    case 'server-kill':
      return server.kill();
    default:
      throw new Error(`${fault.kind} is not a fail-over world's fault`);
  }
}

/** Ends one fault. */
async function healFailover(fault: Fault, parts: FailoverParts): Promise<void> {
  const server = parts.servers[fault.server]!;
  switch (fault.kind) {
    case 'server-stop':
      return server.thaw();
    case 'server-kill':
      return server.start();
    default:
      return undefined;
  }
}

/** Ends every backend of the bank's database but this one. */
async function terminate(url: string): Promise<void> {
  await withClient(url, (client) =>
    client.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = $1 AND pid <> pg_backend_pid()`,
      [DATABASE],
    ),
  );
}
