// The chaos run's PostgreSQL: an embedded cluster (test/helpers/embedded-postgres.ts) that the
// nemesis crashes with `pg_ctl stop -m immediate` and starts again with `pg_ctl start` on the
// same data folder and port, and whose backends it terminates. pg_ctl runs as the `postgres`
// user when this runs as root, as embedded-postgres runs postgres itself.
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startEmbeddedCluster, withClient } from '../test/helpers/embedded-postgres.js';

const run = promisify(execFile);

/**
 * fsync off: the nemesis crashes the postgres processes, never the machine, so the kernel keeps
 * every write a commit made; and two shared cores need no flushes to disk.
 */
const CHAOS_CLUSTER = { connectionsMax: 100, settings: { fsync: 'off' } };

/** A cluster the nemesis may crash and restart. */
export interface ChaosPostgres {
  /** The superuser's URL of the `postgres` database, direct (not through the proxy). */
  url: string;
  port: number;
  crash: () => Promise<void>;
  restart: () => Promise<void>;
  /** pg_terminate_backend of every other connection to the database; how many it ended. */
  terminateBackends: (database: string) => Promise<number>;
  /** Stops postgres (fast shutdown) and removes its folder. */
  stop: () => Promise<void>;
  /** Stops postgres at once, synchronously: for a hard stop of the whole run. */
  kill: () => void;
}

/** Starts a cluster and takes over its postmaster from embedded-postgres. */
export async function startChaosPostgres(): Promise<ChaosPostgres> {
  const cluster = await startEmbeddedCluster(CHAOS_CLUSTER);
  cluster.detach();
  const pgCtl = join(cluster.binDir, 'pg_ctl');
  const owner = postgresOwner();
  const options = ['-p', String(cluster.port), ...cluster.postgresFlags].join(' ');
  const env = { ...process.env, LC_ALL: 'C' };
  const ctl = (args: string[]): Promise<unknown> =>
    run(pgCtl, ['-D', cluster.dataDir, ...args], { ...owner, env });
  const stopNow = (): void => {
    try {
      execFileSync(pgCtl, ['-D', cluster.dataDir, 'stop', '-m', 'immediate'], {
        ...owner,
        stdio: 'ignore',
      });
    } catch {
      // already stopped
    }
  };
  return {
    url: cluster.url,
    port: cluster.port,
    crash: async () => {
      await ctl(['stop', '-m', 'immediate', '-w']);
    },
    restart: async () => {
      await ctl([
        'start',
        '-w',
        '-t',
        '60',
        '-o',
        options,
        '-l',
        join(cluster.dataDir, 'restart.log'),
      ]);
    },
    terminateBackends: (database) => terminate(cluster.url, database),
    stop: async () => {
      await ctl(['stop', '-m', 'fast', '-w']).catch(() => undefined);
      await cluster.stop();
    },
    kill: stopNow,
  };
}

/** The uid and gid of `postgres` when running as root (postgres refuses root), else nothing. */
function postgresOwner(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string): number =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** Ends every backend of the database but this one. */
async function terminate(url: string, database: string): Promise<number> {
  return withClient(url, async (client) => {
    const result = await client.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = $1 AND pid <> pg_backend_pid()`,
      [database],
    );
    return result.rowCount ?? 0;
  });
}
