// One run's bank, whichever engine stores it: a seeded SQLite file in a temporary folder, or a
// seeded fresh database on the bench's PostgreSQL server.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { maskSecrets } from '../src/store/target.js';
import {
  clusterCpuDelta,
  clusterCpuSeconds,
  freshBenchDatabase,
  readPgFacts,
  type PgServer,
} from './postgres.js';
import { readDbFacts, removeBenchDir, seedDatabase, seedInto, type DbFacts } from './server.js';

/** The storage engines the bench measures. */
export type Engine = 'sqlite' | 'postgres';

/** A seeded bank for one run. */
export interface RunBank {
  /** What `--db` gets: a file path or a postgres:// URL. */
  db: string;
  /** What the bank servers' `--db` gets instead, when not db: through --db-latency-ms's proxy. */
  serversDb?: string;
  /** Flags of server `index` beyond the bench's own (limits, host, port). */
  serverArgs: (index: number) => string[];
  /** Durability settings and the approved ledger rows, read once the servers have stopped. */
  facts: () => Promise<DbFacts>;
  /** Starts a reading of the database server's CPU; the function returns seconds used since. */
  databaseCpu: () => (() => number) | null;
  /** Removes the bank (or, with keep, says where it is). */
  remove: (keep: boolean) => Promise<void>;
}

/** A seeded SQLite file, exactly as the bench has always made it (any build's `bank` works). */
export function sqliteBank(bankBin: string, accounts: number): RunBank {
  const { dir, dbFile } = seedDatabase(bankBin, accounts);
  return {
    db: dbFile,
    serverArgs: () => [],
    facts: () => readDbFacts(bankBin, dbFile),
    databaseCpu: () => null,
    remove: async (keep) => {
      if (keep) console.error(`kept ${dbFile}`);
      else removeBenchDir(dir);
    },
  };
}

/**
 * A fresh database on the bench's PostgreSQL server, seeded; every server gets the one PIN key
 * file the seed made (servers of one bank must share it) and a --server-name of its own.
 */
export async function postgresBank(
  bankBin: string,
  server: PgServer,
  accounts: number,
): Promise<RunBank> {
  const dir = mkdtempSync(join(tmpdir(), 'bank-bench-'));
  const pinKey = ['--pin-key', join(dir, 'bank.pin-key')];
  const database = await freshBenchDatabase(server.url);
  const remove = async (keep: boolean): Promise<void> => {
    if (keep) {
      console.error(`kept ${maskSecrets(database.url)} (PIN key ${pinKey[1]})`);
      return;
    }
    await database.drop();
    removeBenchDir(dir);
  };
  try {
    seedInto(bankBin, dir, accounts, ['--db', database.url, ...pinKey]);
  } catch (error) {
    await remove(false);
    throw error;
  }
  return {
    // Only the servers go through the proxy: the admin commands run synchronously, and the
    // proxy lives in this process's event loop.
    db: database.url,
    ...(server.route ? { serversDb: server.route(database.url) } : {}),
    serverArgs: (index) => [...pinKey, '--server-name', `bench-${index + 1}`],
    facts: () => readPgFacts(bankBin, database.url),
    databaseCpu: () => clusterCpuReading(server.dataDir),
    remove,
  };
}

/** Starts a reading of an embedded cluster's CPU; null for a server not ours (--pg-url). */
function clusterCpuReading(dataDir: string | undefined): (() => number) | null {
  if (dataDir === undefined) return null;
  const before = clusterCpuSeconds(dataDir);
  return () => clusterCpuDelta(before, clusterCpuSeconds(dataDir));
}
