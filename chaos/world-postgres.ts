// The PostgreSQL world of a chaos run: two bank servers on one database of an embedded cluster,
// reaching it through the fault proxy; the nemesis crashes and restarts PostgreSQL, terminates
// the servers' backends, partitions the proxy, and freezes or kills a server.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withClient } from '../test/helpers/embedded-postgres.js';
import { runBank } from '../test/helpers/server.js';
import type { Customer } from '../test/helpers/customers.js';
import { ChaosServer } from './bank-servers.js';
import { FaultProxy } from './db-proxy.js';
import { type ChaosPostgres, startChaosPostgres } from './pg-cluster.js';
import { chaosAccounts, type EngineWorld } from './run-engine.js';
import type { Fault, FaultKind } from './schedule.js';

const DATABASE = 'chaos_bank';
const SERVERS = 2;
const KINDS: FaultKind[] = [
  'pg-crash',
  'pg-terminate',
  'proxy-stall',
  'proxy-drop',
  'proxy-reset',
  'server-stop',
  'server-kill',
];

/** Kills what a PostgreSQL world started, at once (a hard stop of the run). */
export const pgHardStops: (() => void)[] = [];

/** Sets up the cluster, the proxy, the seeded bank and its two servers (started). */
export async function postgresWorld(
  customers: Customer[],
  serverArgs: string[],
): Promise<EngineWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'bank-chaos-pg-'));
  const cluster = await startChaosPostgres();
  pgHardStops.push(cluster.kill);
  await withClient(cluster.url, (client) => client.query(`CREATE DATABASE ${DATABASE}`));
  const direct = withPort(cluster.url, cluster.port, DATABASE);
  const proxy = await FaultProxy.start(cluster.port);
  const pinKey = join(dir, 'bank.pin-key');
  writeFileSync(join(dir, 'accounts.txt'), chaosAccounts(customers));
  const seeded = runBank([
    'admin',
    'seed',
    '--db',
    direct,
    '--file',
    join(dir, 'accounts.txt'),
    '--pin-key',
    pinKey,
  ]);
  if (seeded.code !== 0) throw new Error(`seeding the PostgreSQL bank: ${seeded.stderr}`);
  const servers = Array.from(
    { length: SERVERS },
    (_, i) =>
      new ChaosServer(withPort(cluster.url, proxy.port, DATABASE), [
        '--pin-key',
        pinKey,
        '--server-name',
        `chaos-${i + 1}`,
        ...serverArgs,
      ]),
  );
  for (const server of servers) await server.start();
  const teardown = async (): Promise<void> => {
    await proxy.close();
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return {
    engine: 'postgres',
    db: direct,
    servers,
    kinds: KINDS,
    skipped: failoverSkipped(),
    inject: (fault) => injectPg(fault, { cluster, proxy, servers }),
    heal: (fault) => healPg(fault, { cluster, proxy, servers }),
    teardown,
  };
}

/** The fail-over fault is not injected here but in a world of its own: say where. */
function failoverSkipped(): { kind: string; why: string }[] {
  return [{ kind: 'failover', why: 'in the failover world (--engine failover or all)' }];
}

/** The cluster's URL with another port and database. */
function withPort(url: string, port: number, database: string): string {
  const parsed = new URL(url);
  parsed.port = String(port);
  parsed.pathname = `/${database}`;
  return parsed.href;
}

interface PgParts {
  cluster: ChaosPostgres;
  proxy: FaultProxy;
  servers: ChaosServer[];
}

/** Starts one fault. */
async function injectPg(fault: Fault, parts: PgParts): Promise<void> {
  const server = parts.servers[fault.server]!;
  switch (fault.kind) {
    case 'pg-crash':
      return parts.cluster.crash();
    case 'pg-terminate':
      await parts.cluster.terminateBackends(DATABASE);
      return;
    case 'proxy-stall':
      return parts.proxy.begin('stall');
    case 'proxy-drop':
      return parts.proxy.begin('drop');
    case 'proxy-reset':
      return parts.proxy.begin('reset');
    case 'server-stop':
      return server.freeze();
    case 'server-kill':
      return server.kill();
    default:
      throw new Error(`${fault.kind} is not a PostgreSQL fault`);
  }
}

/** Ends one fault. */
async function healPg(fault: Fault, parts: PgParts): Promise<void> {
  const server = parts.servers[fault.server]!;
  switch (fault.kind) {
    case 'pg-crash':
      return parts.cluster.restart();
    case 'proxy-stall':
    case 'proxy-drop':
    case 'proxy-reset':
      return parts.proxy.heal();
    case 'server-stop':
      return server.thaw();
    case 'server-kill':
      return server.start();
    default:
      return undefined;
  }
}
