// The bench's PostgreSQL side (`npm run bench -- --db postgres`): a server (an embedded cluster of
// its own with fsync on, or --pg-url), a fresh database per run, and what the database says about
// durability and the ledger afterwards.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { maskSecrets } from '../src/store/target.js';
import { startEmbeddedCluster, withClient } from '../test/helpers/embedded-postgres.js';
import type { DbFacts } from './server.js';

/**
 * The bench's own cluster: durable as a bank's must be (fsync and synchronous_commit on, their
 * defaults, said out loud), with room for 1,000 sessions' worth of servers and their pools.
 */
const BENCH_CLUSTER = { connectionsMax: 200, settings: { fsync: 'on', synchronous_commit: 'on' } };

/** The PostgreSQL server runs use: its maintenance database's URL, and how to let it go. */
export interface PgServer {
  url: string;
  /** The embedded cluster's data directory (its postmaster.pid); undefined for --pg-url. */
  dataDir?: string;
  stop: () => Promise<void>;
  /** The URL the bank servers get for a database's: through the --db-latency-ms proxy. */
  route?: (url: string) => string;
}

/** The server of --pg-url (left running at the end), or a fresh embedded cluster. */
export async function startPgServer(pgUrl: string | undefined): Promise<PgServer> {
  if (pgUrl !== undefined) return { url: pgUrl, stop: async () => undefined };
  const cluster = await startEmbeddedCluster(BENCH_CLUSTER);
  return cluster;
}

/** A new, empty database on the server for one run, its URL, and how to drop it. */
export async function freshBenchDatabase(
  serverUrl: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `bank_bench_${randomBytes(4).toString('hex')}`;
  await withClient(serverUrl, (client) =>
    client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`),
  );
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const drop = (): Promise<void> =>
    withClient(serverUrl, async (client) => {
      await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
    }).catch((error: unknown) => {
      console.error(`could not drop the bench database ${name}: ${maskSecrets(String(error))}`);
    });
  return { url: url.href, drop };
}

/**
 * Durability and ledger of a PostgreSQL bank after a run: synchronous_commit as the tested
 * checkout's own openPool sets it on the servers' connections (dist/store/postgres/pool.js),
 * fsync as the server runs, and the approved ledger rows by kind.
 */
export async function readPgFacts(bankBin: string, url: string): Promise<DbFacts> {
  const poolFile = join(dirname(dirname(bankBin)), 'dist/store/postgres/pool.js');
  const { openPool } = (await import(pathToFileURL(poolFile).href)) as {
    openPool: (url: string, max?: number) => pg.Pool;
  };
  const pool = openPool(url, 1);
  try {
    const setting = async (name: string): Promise<string> =>
      String((await pool.query<Record<string, string>>(`SHOW ${name}`)).rows[0]?.[name]);
    const syncCommit = await setting('synchronous_commit');
    const fsync = await setting('fsync');
    const { rows } = await pool.query<{ kind: string; n: number }>(`SELECT kind, COUNT(*) AS n
      FROM transactions WHERE code = 0 GROUP BY kind`);
    const count = (kind: string): number => rows.find((row) => row.kind === kind)?.n ?? 0;
    return {
      durableSettings: syncCommit === 'on' && fsync === 'on',
      approved: { deposit: count('deposit'), withdraw: count('withdraw') },
    };
  } finally {
    await pool.end();
  }
}

/**
 * CPU time (user + system, seconds) of an embedded cluster's processes now: the postmaster and
 * its children (backends, WAL writer, checkpointer), by pid; empty when unreadable.
 */
export function clusterCpuSeconds(dataDir: string): Map<number, number> {
  const cpu = new Map<number, number>();
  let postmaster: number;
  try {
    postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return cpu;
  }
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    // Fields after "(comm)": state is [0], ppid [1], utime [11], stime [12] (ticks of 1/100 s).
    if (fields === null) continue;
    if (Number(entry) !== postmaster && Number(fields[1]) !== postmaster) continue;
    cpu.set(Number(entry), (Number(fields[11]) + Number(fields[12])) / 100);
  }
  return cpu;
}

/** CPU seconds the cluster used between two readings (processes new since `before` count whole). */
export function clusterCpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let seconds = 0;
  for (const [pid, now] of after) seconds += now - (before.get(pid) ?? 0);
  return seconds;
}

function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}
