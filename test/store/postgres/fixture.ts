import pg from 'pg';
import { LOCKOUT_POLICY } from '../../../src/lockout.js';
import type { BankOp, Origin, SessionAsk } from '../../../src/rules/requests.js';
import type { Engine } from '../../../src/store/engine.js';
import { openEngine } from '../../../src/store/open.js';
import { freshDatabase } from '../../helpers/postgres.js';

/** A PostgreSQL bank for one test file: its URL, an engine on it, and a plain client. */
export interface PgBank {
  url: string;
  engine: Engine;
  sql: pg.Client;
}

/** A new database with the bank's schema, and the given accounts (PIN checks happen outside). */
export async function openPgBank(accounts: [string, number][]): Promise<PgBank> {
  const url = await freshDatabase();
  const engine = await openEngine(url);
  const sql = new pg.Client({ connectionString: url });
  await sql.connect();
  for (const [account, balanceCents] of accounts) {
    await sql.query(
      `INSERT INTO accounts (account, pin_hash, balance_cents, opened_at)
      VALUES ($1, 'x', $2, 0)`,
      [account, balanceCents],
    );
  }
  return { url, engine, sql };
}

/** The origin of connection `conn` on server `server`. */
export function origin(conn: number, server = 'srv-a'): Origin {
  return { conn, peer: `127.0.0.1:${40000 + conn}`, holder: `${server}/${conn}` };
}

/** A LOGIN whose PIN check ended as `pin`, with a lock TTL. */
export function login(
  from: Origin,
  account: string,
  pin: 'right' | 'wrong',
  lockTtlMs = 30_000,
): BankOp {
  return {
    kind: 'login',
    origin: from,
    account,
    group: from.peer.split(':')[0]!,
    pin,
    lockTtlMs,
    policy: LOCKOUT_POLICY,
  };
}

/** A request of a logged-in session. */
export function ask(from: Origin, account: string, request: SessionAsk): BankOp {
  return { kind: 'session', origin: from, account, ask: request, lockTtlMs: 30_000 };
}

/** A balance as stored. */
export async function balanceOf(sql: pg.Client, account: string): Promise<number> {
  const { rows } = await sql.query(
    'SELECT balance_cents::text AS b FROM accounts WHERE account = $1',
    [account],
  );
  return Number(rows[0].b);
}
