import { assert } from '../../assert.js';
import type { BankOp, StoredCounter } from '../../rules/requests.js';
import { askTxnId } from '../../rules/session.js';
import type { AccountRow, TxnRow } from '../../rules/types.js';
import type { ChainTip } from '../audit-chain.js';
import { CHAIN_TIP_COLUMNS, tipOf } from './audit.js';
import { literal } from './inline.js';
import type { Query } from './query.js';
import { pairKey, type Facts, type StoredLock } from './view-state.js';

/**
 * Reads a batch's facts in one statement: batch_facts (migrations/postgres/003, 005) locks the
 * batch's accounts, then reads on a fresh snapshot what the batch's requests need, locking the
 * rows the batch may change.
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

type Raw = Record<string, unknown>;

/** What batch_facts returns. */
interface FoundRow {
  now: number;
  accounts: Raw[];
  sessions: Raw[];
  ledger: Raw[];
  groups: Raw[];
  counters: Raw[];
  blocks: string[];
}

/** A batch's transaction, whatever the server's default isolation. */
export const BEGIN_BATCH = 'BEGIN ISOLATION LEVEL READ COMMITTED';

const FACTS = 'SELECT batch_facts($1, $2, $3, $4, $5, $6) AS found';

/** An array of texts as an SQL literal. */
function textArray(texts: string[]): string {
  return `${literal(texts)}::text[]`;
}

/** The recorded tip of an audit chain, as JSON, for the facts' statement. */
function tipSql(chain: number): string {
  assert(Number.isSafeInteger(chain) && chain >= 0, 'a chain is a whole number');
  return `(SELECT row_to_json(t) FROM (SELECT ${CHAIN_TIP_COLUMNS} FROM audit_chains
    WHERE chain = ${chain}) AS t) AS tip`;
}

/**
 * The facts' statement, or BEGIN and it in one round trip (the simple protocol takes no
 * parameters, so then the keys are quoted as literals), with the tip of the batch's chain.
 */
async function queryFacts(
  q: Query,
  keys: Keys,
  { begin = false, chain }: FactsOptions,
): Promise<{ found: FoundRow; tip?: ChainTip | null }> {
  const arrays = [keys.accounts, ...keys.ledger, ...keys.groups, keys.logins];
  const tip = chain === undefined ? '' : `, ${tipSql(chain)}`;
  const [row] =
    begin !== false
      ? await q<{ found: FoundRow; tip?: ChainTip | null }>(
          `${begin} SELECT batch_facts(${arrays.map(textArray).join(', ')}) AS found${tip}`,
        )
      : await q<{ found: FoundRow; tip?: ChainTip | null }>(`${FACTS}${tip}`, arrays);
  return row!;
}

/** How readFacts reads: opening the transaction (BEGIN...) and reading a chain's tip, if asked. */
interface FactsOptions {
  begin?: string | false;
  chain?: number;
}

/** The accounts and the clock. */
function readAccounts(found: FoundRow, facts: Facts): void {
  facts.now = int(found.now);
  for (const a of found.accounts) {
    const account: AccountRow = {
      account: a.account as string,
      pinHash: a.pin_hash as string,
      balanceCents: int(a.balance_cents),
      closed: a.closed === true,
    };
    facts.accounts.set(account.account, account);
  }
}

/** The session rows: undefined for an account with none. */
function readSessions(rows: Raw[], keys: Keys, facts: Facts): void {
  for (const account of keys.accounts) facts.sessions.set(account, undefined);
  for (const s of rows) {
    const lock: StoredLock = {
      holder: s.holder as string,
      peer: s.peer as string,
      startedAt: int(s.started_at),
      heartbeatAt: int(s.heartbeat_at),
    };
    facts.sessions.set(s.account as string, lock);
  }
}

/** Ledger rows, counters and blocks. */
function readMore(row: FoundRow, facts: Facts): void {
  for (const t of row.ledger) {
    const txn: TxnRow = {
      account: t.account as string,
      txnId: t.txn_id as string,
      kind: t.kind as TxnRow['kind'],
      amountCents: int(t.amount_cents),
      code: int(t.code) as TxnRow['code'],
      balanceCents: int(t.balance_cents),
      at: int(t.at),
    };
    facts.ledger.set(pairKey(txn.account, txn.txnId), txn);
  }
  for (const g of row.groups) {
    facts.groupCounters.set(
      pairKey(g.account as string, g.addr_group as string),
      counter(g.failures, g.blocks, g.blocked_until, g.forget_at),
    );
  }
  for (const c of row.counters) {
    facts.accountCounters.set(
      c.account as string,
      counter(c.failures, c.lockouts, c.locked_until, c.forget_at),
    );
  }
  for (const account of row.blocks) facts.blocks.add(account);
}

function counter(
  failures: unknown,
  level: unknown,
  untilMs: unknown,
  forgetAtMs: unknown,
): StoredCounter {
  return {
    failures: int(failures),
    level: int(level),
    untilMs: int(untilMs),
    forgetAtMs: int(forgetAtMs),
  };
}

/**
 * Reads the facts of a batch's requests, taking their row locks, in the open transaction (or,
 * with begin, in the one it opens: begin is BEGIN and any statement to run first, `;` ended).
 */
export async function readFacts(
  q: Query,
  ops: BankOp[],
  options: FactsOptions = {},
): Promise<Facts> {
  return (await readAll(q, ops, options)).facts;
}

/** readFacts, and the recorded tip of the chain's audit chain in the same statement. */
export async function readFactsAndTip(
  q: Query,
  ops: BankOp[],
  options: FactsOptions & { chain: number },
): Promise<{ facts: Facts; tip: ChainTip }> {
  const { facts, tip } = await readAll(q, ops, options);
  return { facts, tip: tipOf(tip ?? undefined, options.chain) };
}

/** The facts, and the chain's tip as read (when options.chain is given). */
async function readAll(
  q: Query,
  ops: BankOp[],
  options: FactsOptions,
): Promise<{ facts: Facts; tip?: ChainTip | null }> {
  const keys = batchKeys(ops);
  const facts: Facts = {
    now: 0,
    accounts: new Map(),
    sessions: new Map(),
    ledger: new Map(),
    groupCounters: new Map(),
    accountCounters: new Map(),
    blocks: new Set(),
  };
  const { found, tip } = await queryFacts(q, keys, options);
  readAccounts(found, facts);
  readSessions(found.sessions, keys, facts);
  readMore(found, facts);
  return { facts, tip };
}
