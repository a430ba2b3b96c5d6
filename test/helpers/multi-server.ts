// Several `bank server` processes on one PostgreSQL database (README, "More than one server"),
// for test/integration/multi-server*.test.ts (the vitest project `postgres` only).
import { expect } from 'vitest';
import { readRows } from './database.js';
import { admin, startServer, type TestServer } from './server.js';
import type { WireClient } from './wire.js';

/** A server of a multi-server test, and the name its session locks carry. */
export interface NamedServer extends TestServer {
  name: string;
}

/**
 * Starts one server per name on the bank in dir (one database), one after the other, each with
 * `--server-name <name>` and the extra flags. A name means one server: reuse it only to restart.
 */
export async function startServers<Names extends string[]>(
  dir: string,
  names: [...Names],
  args: string[] = [],
): Promise<{ [K in keyof Names]: NamedServer }> {
  const servers: NamedServer[] = [];
  try {
    for (const name of names) {
      const server = await startServer({ dir, args: ['--server-name', name, '--quiet', ...args] });
      servers.push({ ...server, name });
    }
  } catch (error) {
    await Promise.all(servers.map((server) => server.kill()));
    throw error;
  }
  return servers as { [K in keyof Names]: NamedServer };
}

/** The holder of an account's session lock (`<server name>/<connection>`), or null if free. */
export async function lockHolder(db: string, account: string): Promise<string | null> {
  const rows = await readRows<{ holder: string }>(
    db,
    'SELECT holder FROM sessions WHERE account = ?',
    [account],
  );
  return rows[0]?.holder ?? null;
}

/** The name of the server whose connection holds an account's lock, or null if it is free. */
export async function lockServer(db: string, account: string): Promise<string | null> {
  const holder = await lockHolder(db, account);
  return holder === null ? null : holder.replace(/\/[0-9]+$/, '');
}

/** `bank admin verify` on the database passes (one gap-free audit chain, balances, ledger). */
export function expectVerified(db: string, when: string): void {
  const result = admin(db, 'verify');
  expect(result.code, `verify ${when}: ${result.stdout}${result.stderr}`).toBe(0);
  expect(result.stdout.split('\n')[0], when).toBe('verify: OK');
}

/**
 * Sends PING on a logged-in client every everyMs, so that its lock's heartbeat stays fresh
 * while the test does slower things (starting a server). The returned stop waits for the last
 * PING and gives every reply that was not `00`.
 */
export function keepAlive(client: WireClient, everyMs: number): () => Promise<string[]> {
  const wrong: string[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const reply = await client.request('PING');
      if (reply !== '00') wrong.push(reply);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return wrong;
  };
}
