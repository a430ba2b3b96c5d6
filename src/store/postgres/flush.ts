import type { LockClaim } from '../../rules/requests.js';
import { inlineParams, literal } from './inline.js';
import { sqlState } from './pool.js';
import type { Query } from './query.js';
import type { Changes, Facts } from './view-state.js';

/**
 * Writes a batch's changes in bulk: a few statements per batch, whatever its size, sent as one
 * text, each checked in the database against what the view expected (the SQLite engine's
 * `changes === 1` asserts, in bulk).
 */

/** Thrown when an atomic claim did not end as its locked row promised: the batch runs again. */
export class ClaimMismatch extends Error {}

/** The error as the batch sees it: a lost claim (bank_expect's BK001) as ClaimMismatch. */
export function asClaimMismatch(error: unknown): unknown {
  return sqlState(error) === CLAIM_LOST ? new ClaimMismatch('a claim lost its lock row') : error;
}

/** The SQLSTATEs of bank_expect (migrations/postgres/007): a claim lost, a count not met. */
export const CLAIM_LOST = 'BK001';
export const COUNT_NOT_MET = 'BK002';

/** A check run in the database: `found` must equal `expected` (SQL of counts), or it raises. */
function expectSql(found: string, expected: string, state: string, what: string): string {
  return `bank_expect(${found}, ${expected}, '${state}', '${what}')`;
}

/**
 * The lock claims: one atomic statement per TTL (a batch usually has one), taking a row that is
 * free or whose heartbeat is older than the TTL by the database's clock (`at` is its clock).
 */
function claimsText(claims: LockClaim[]): string[] {
  return [...new Set(claims.map((claim) => claim.lockTtlMs))].map((ttl) => {
    const some = claims.filter((claim) => claim.lockTtlMs === ttl);
    const claim = inlineParams(
      `INSERT INTO sessions AS s (account, holder, peer, started_at,
      heartbeat_at) SELECT c.account, c.holder, c.peer, c.at, c.at
      FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS c (account, holder, peer, at)
      ON CONFLICT (account) DO UPDATE SET holder = EXCLUDED.holder, peer = EXCLUDED.peer,
      started_at = EXCLUDED.started_at, heartbeat_at = EXCLUDED.heartbeat_at
      WHERE s.heartbeat_at < EXCLUDED.heartbeat_at - $5::bigint RETURNING s.account`,
      [
        some.map((c) => c.account),
        some.map((c) => c.holder),
        some.map((c) => c.peer),
        some.map((c) => c.at),
        ttl,
      ],
    );
    const count = literal(some.length);
    const won = expectSql('(SELECT count(*) FROM won)', count, CLAIM_LOST, 'claims won');
    return `WITH won AS (${claim}) SELECT ${won};`;
  });
}

/** Adds a statement, its parameters written in, to the batch's text. */
function add(out: string[], sql: string, params: unknown[]): void {
  out.push(`${inlineParams(sql, params)};`);
}

/** Forgotten counter rows removed per wrong PIN (as on SQLite: more than each adds). */
const FORGET_BATCH_ROWS = 8;

/** Removes up to 8 forgotten counters per wrong PIN, skipping rows another server holds. */
function forgetCounters(out: string[], facts: Facts, changes: Changes): void {
  if (changes.wrongPins === 0) return;
  const limit = FORGET_BATCH_ROWS * changes.wrongPins;
  add(
    out,
    `DELETE FROM pin_group_failures WHERE ctid IN (SELECT ctid FROM pin_group_failures
    WHERE forget_at <= $1 ORDER BY forget_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
    [facts.now, limit],
  );
  add(
    out,
    `DELETE FROM pin_account_failures WHERE ctid IN (SELECT ctid FROM pin_account_failures
    WHERE forget_at <= $1 ORDER BY forget_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
    [facts.now, limit],
  );
}

/** Both kinds of wrong-PIN counters: stored, or cleared by a right PIN. */
function writeCounters(out: string[], facts: Facts, changes: Changes): void {
  forgetCounters(out, facts, changes);
  const groups = [...changes.groupsDirty].map((key) => {
    const [account, group] = key.split('\n') as [string, string];
    return { account, group, counter: facts.groupCounters.get(key) };
  });
  const put = groups.filter((g) => g.counter);
  const cleared = groups.filter((g) => !g.counter);
  if (put.length > 0) {
    add(
      out,
      `INSERT INTO pin_group_failures (account, addr_group, failures, blocks, blocked_until,
      forget_at) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[],
      $5::bigint[], $6::bigint[]) ON CONFLICT (account, addr_group) DO UPDATE SET
      failures = EXCLUDED.failures, blocks = EXCLUDED.blocks,
      blocked_until = EXCLUDED.blocked_until, forget_at = EXCLUDED.forget_at`,
      [put.map((g) => g.account), put.map((g) => g.group), ...counterColumns(put)],
    );
  }
  if (cleared.length > 0) {
    add(
      out,
      `DELETE FROM pin_group_failures f USING unnest($1::text[], $2::text[]) AS k (account,
      addr_group) WHERE f.account = k.account AND f.addr_group = k.addr_group`,
      [cleared.map((g) => g.account), cleared.map((g) => g.group)],
    );
  }
  writeAccountCounters(out, facts, changes);
}

function writeAccountCounters(out: string[], facts: Facts, changes: Changes): void {
  const all = [...changes.accountCountersDirty].map((account) => ({
    account,
    counter: facts.accountCounters.get(account),
  }));
  const put = all.filter((c) => c.counter);
  const cleared = all.filter((c) => !c.counter).map((c) => c.account);
  if (put.length > 0) {
    add(
      out,
      `INSERT INTO pin_account_failures (account, failures, lockouts, locked_until,
      forget_at) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[],
      $5::bigint[]) ON CONFLICT (account) DO UPDATE SET failures = EXCLUDED.failures,
      lockouts = EXCLUDED.lockouts, locked_until = EXCLUDED.locked_until,
      forget_at = EXCLUDED.forget_at`,
      [put.map((c) => c.account), ...counterColumns(put)],
    );
  }
  if (cleared.length > 0) {
    add(out, 'DELETE FROM pin_account_failures WHERE account = ANY($1::text[])', [cleared]);
  }
}

type Counted = { counter: import('../../rules/requests.js').StoredCounter | undefined };

function counterColumns(rows: Counted[]): number[][] {
  return [
    rows.map((r) => r.counter!.failures),
    rows.map((r) => r.counter!.level),
    rows.map((r) => r.counter!.untilMs),
    rows.map((r) => r.counter!.forgetAtMs),
  ];
}

/**
 * Balances, ledger rows and the final state of every changed lock row (updated: it exists once
 * claimed; or deleted), in one statement. The accounts moved and the lock rows kept are checked
 * in the database against the counts the facts promise ($16, $17).
 */
const WRITE_ROWS = `WITH m AS (UPDATE accounts a SET balance_cents = a.balance_cents + d.delta
    FROM unnest($1::text[], $2::bigint[]) AS d (account, delta)
    WHERE a.account = d.account AND a.closed_at IS NULL RETURNING 1),
  r AS (INSERT INTO transactions (account, txn_id, kind, amount_cents, code, balance_cents, at)
    SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[],
      $8::bigint[], $9::bigint[]) RETURNING 1),
  u AS (UPDATE sessions s SET holder = u.holder, peer = u.peer, started_at = u.started_at,
    heartbeat_at = u.heartbeat_at FROM unnest($10::text[], $11::text[], $12::text[],
      $13::bigint[], $14::bigint[]) AS u (account, holder, peer, started_at, heartbeat_at)
    WHERE s.account = u.account RETURNING 1),
  g AS (DELETE FROM sessions WHERE account = ANY($15::text[]) RETURNING 1)
  SELECT ${expectSql('(SELECT count(*) FROM m)', '$16::bigint', COUNT_NOT_MET, 'accounts moved')},
    ${expectSql('(SELECT count(*) FROM u)', '$17::bigint', COUNT_NOT_MET, 'lock rows kept')}`;

/** The rows' statement, its parameters written in; nothing when the batch changed none. */
function writeRows(out: string[], facts: Facts, changes: Changes): void {
  const moves = [...changes.moved].filter(([, delta]) => delta !== 0);
  const t = changes.records;
  const kept = [...changes.sessionsDirty].filter((account) => facts.sessions.get(account));
  const gone = [...changes.sessionsDirty].filter((account) => !facts.sessions.get(account));
  if (moves.length + t.length + kept.length + gone.length === 0) return;
  const s = kept.map((account) => facts.sessions.get(account)!);
  add(out, WRITE_ROWS, [
    moves.map(([account]) => account),
    moves.map(([, delta]) => delta),
    t.map((x) => x.account),
    t.map((x) => x.txnId),
    t.map((x) => x.kind),
    t.map((x) => x.amountCents),
    t.map((x) => x.code),
    t.map((x) => x.balanceCents),
    t.map((x) => x.at),
    kept,
    s.map((x) => x.holder),
    s.map((x) => x.peer),
    s.map((x) => x.startedAt),
    s.map((x) => x.heartbeatAt),
    gone,
    moves.length,
    kept.length,
  ]);
}

/**
 * Every change of a batch but its audit rows, as one text of statements with their parameters
 * written in, each write checked in the database (bank_expect): the fast path sends it with the
 * audit rows and COMMIT in one round trip. Empty when the batch changed nothing.
 */
export function changesText(facts: Facts, changes: Changes): string {
  const out = claimsText(changes.claims);
  writeCounters(out, facts, changes);
  writeRows(out, facts, changes);
  return out.join(' ');
}

/** Writes every change of a batch but its audit rows, in the open transaction (one round trip). */
export async function flushChanges(q: Query, facts: Facts, changes: Changes): Promise<void> {
  const text = changesText(facts, changes);
  if (text !== '') await q(text);
}
