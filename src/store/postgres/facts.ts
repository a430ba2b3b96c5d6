import { escapeLiteral } from 'pg';
import { assert } from '../../assert.js';
import type { BankOp, StoredCounter } from '../../rules/requests.js';
import { askTxnId } from '../../rules/session.js';
import type { AccountRow, TxnRow } from '../rows.js';
import type { Query } from './query.js';
import { pairKey, type Facts, type LockRow } from './view-state.js';

/**
 * Reads a batch's facts in two statements. The first locks the accounts (in account order, so
 * that two servers never deadlock on them) and reads the database's clock. The second runs on a
 * fresh snapshot, taken once those locks are held, so it sees whatever another server wrote
 * before it let them go (a READ COMMITTED statement sees only what was committed when it
 * started): session rows (locked, in account order), ledger rows, wrong-PIN counters (locked),
 * operator blocks.
 */

/** What a batch's requests name. */
interface Keys {
  accounts: string[];
  ledger: [string[], string[]];
  groups: [string[], string[]];
  logins: string[];
}

function batchKeys(ops: BankOp[]): Keys {
  const accounts = new Set<string>();
  const keys: Keys = { accounts: [], ledger: [[], []], groups: [[], []], logins: [] };
  for (const op of ops) {
    if (op.kind === 'note') continue;
    accounts.add(op.account);
    const txnId = op.kind === 'session' ? askTxnId(op.ask) : undefined;
    if (txnId !== undefined) {
      keys.ledger[0].push(op.account);
      keys.ledger[1].push(txnId);
    }
    if (op.kind !== 'login') continue;
    keys.groups[0].push(op.account);
    keys.groups[1].push(op.group);
    keys.logins.push(op.account);
  }
  keys.accounts = [...accounts].sort();
  return keys;
}

/** A BIGINT carried through JSON: exact only while it is a safe integer. */
function int(value: unknown): number {
  assert(typeof value === 'number' && Number.isSafeInteger(value), 'a safe integer from JSON');
  return value;
}

const NOW_MS = '(extract(epoch FROM clock_timestamp()) * 1000)::bigint';

/** The statement that locks the accounts `list` (a text[] expression) names. */
function lockStatement(list: string): string {
  return `WITH a AS (SELECT account, pin_hash, balance_cents, closed_at IS NOT NULL AS closed
    FROM accounts WHERE account = ANY(${list}) ORDER BY account FOR UPDATE)
  SELECT (SELECT COALESCE(json_agg(a), '[]') FROM a) AS accounts, ${NOW_MS} AS now`;
}

const LOCK = lockStatement('$1::text[]');

/** A batch's transaction, whatever the server's default isolation (see above). */
export const BEGIN_BATCH = 'BEGIN ISOLATION LEVEL READ COMMITTED';

/**
 * BEGIN and the lock statement in one round trip (the simple protocol takes no parameters, so
 * the account numbers are quoted as literals).
 */
function beginAndLock(accounts: string[]): string {
  const list = `ARRAY[${accounts.map(escapeLiteral).join(', ')}]::text[]`;
  return `${BEGIN_BATCH}; ${lockStatement(list)}`;
}

type Raw = Record<string, unknown>;

/** Locks the batch's accounts (first opening the transaction, if told to); reads the clock. */
async function readLocked(q: Query, keys: Keys, facts: Facts, begin: boolean): Promise<void> {
  const [row] = begin ? await q<{ accounts: Raw[]; now: number }>(beginAndLock(keys.accounts))
    : await q<{ accounts: Raw[]; now: number }>(LOCK, [keys.accounts]);
  facts.now = row!.now;
  for (const a of row!.accounts) {
    const account: AccountRow = { account: a.account as string, pinHash: a.pin_hash as string,
      balanceCents: int(a.balance_cents), closed: a.closed === true };
    facts.accounts.set(account.account, account);
  }
}

/** The session rows, from the fresh snapshot (see the top of this file). */
function readSessions(rows: Raw[], keys: Keys, facts: Facts): void {
  for (const account of keys.accounts) facts.sessions.set(account, undefined);
  for (const s of rows) {
    const lock: LockRow = { holder: s.holder as string, peer: s.peer as string,
      startedAt: int(s.started_at), heartbeatAt: int(s.heartbeat_at) };
    facts.sessions.set(s.account as string, lock);
  }
}

const MORE = `WITH s AS (SELECT account, holder, peer, started_at, heartbeat_at FROM sessions
    WHERE account = ANY($6::text[]) ORDER BY account FOR UPDATE),
  l AS (SELECT t.* FROM transactions t
    JOIN unnest($1::text[], $2::text[]) AS k (account, txn_id)
    ON t.account = k.account AND t.txn_id = k.txn_id),
  g AS (SELECT f.* FROM pin_group_failures f JOIN unnest($3::text[], $4::text[]) AS k (account,
    addr_group) ON f.account = k.account AND f.addr_group = k.addr_group
    ORDER BY f.account, f.addr_group FOR UPDATE OF f),
  c AS (SELECT * FROM pin_account_failures WHERE account = ANY($5::text[]) ORDER BY account
    FOR UPDATE),
  b AS (SELECT account FROM account_blocks WHERE account = ANY($5::text[]))
  SELECT (SELECT COALESCE(json_agg(s), '[]') FROM s) AS sessions,
    (SELECT COALESCE(json_agg(l), '[]') FROM l) AS ledger,
    (SELECT COALESCE(json_agg(g), '[]') FROM g) AS groups,
    (SELECT COALESCE(json_agg(c), '[]') FROM c) AS counters,
    (SELECT COALESCE(json_agg(b.account), '[]') FROM b) AS blocks`;

interface MoreRow {
  sessions: Raw[]; ledger: Raw[]; groups: Raw[]; counters: Raw[]; blocks: string[];
}

/** Session rows (locked), ledger rows, counters (locked) and blocks, once accounts are locked. */
async function readMore(q: Query, keys: Keys, facts: Facts): Promise<void> {
  if (keys.accounts.length === 0) return;
  const [row] = await q<MoreRow>(MORE,
    [...keys.ledger, ...keys.groups, keys.logins, keys.accounts]);
  readSessions(row!.sessions, keys, facts);
  for (const t of row!.ledger) {
    const txn: TxnRow = { account: t.account as string, txnId: t.txn_id as string,
      kind: t.kind as TxnRow['kind'], amountCents: int(t.amount_cents),
      code: int(t.code) as TxnRow['code'], balanceCents: int(t.balance_cents), at: int(t.at) };
    facts.ledger.set(pairKey(txn.account, txn.txnId), txn);
  }
  for (const g of row!.groups) {
    facts.groupCounters.set(pairKey(g.account as string, g.addr_group as string),
      counter(g.failures, g.blocks, g.blocked_until, g.forget_at));
  }
  for (const c of row!.counters) {
    facts.accountCounters.set(c.account as string,
      counter(c.failures, c.lockouts, c.locked_until, c.forget_at));
  }
  for (const account of row!.blocks) facts.blocks.add(account);
}

function counter(failures: unknown, level: unknown, untilMs: unknown,
  forgetAtMs: unknown): StoredCounter {
  return { failures: int(failures), level: int(level), untilMs: int(untilMs),
    forgetAtMs: int(forgetAtMs) };
}

/**
 * Reads the facts of a batch's requests, taking their row locks, in the open transaction (or,
 * with begin, in the one it opens).
 */
export async function readFacts(q: Query, ops: BankOp[], begin = false): Promise<Facts> {
  const keys = batchKeys(ops);
  const facts: Facts = { now: 0, accounts: new Map(), sessions: new Map(), ledger: new Map(),
    groupCounters: new Map(), accountCounters: new Map(), blocks: new Set() };
  await readLocked(q, keys, facts, begin);
  await readMore(q, keys, facts);
  return facts;
}
