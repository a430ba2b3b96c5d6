import { assert } from '../../assert.js';
import type { LockClaim } from '../../rules/requests.js';
import { appendAuditRows } from './audit.js';
import type { Query } from './query.js';
import type { Changes, Facts } from './view-state.js';

/**
 * Writes a batch's changes in bulk: a few statements per batch, whatever its size, each checked
 * against what the view expected (the SQLite engine's `changes === 1` asserts, in bulk). The
 * audit rows go last, so the chain's lock is held only from the append to the commit.
 */

/** Thrown when an atomic claim did not end as its locked row promised: the batch runs again. */
export class ClaimMismatch extends Error {}

async function writeMoves(q: Query, changes: Changes): Promise<void> {
  const moves = [...changes.moved].filter(([, delta]) => delta !== 0);
  if (moves.length === 0) return;
  const rows = await q(`UPDATE accounts a SET balance_cents = a.balance_cents + d.delta
    FROM unnest($1::text[], $2::bigint[]) AS d (account, delta)
    WHERE a.account = d.account AND a.closed_at IS NULL RETURNING a.account`,
  [moves.map(([account]) => account), moves.map(([, delta]) => delta)]);
  assert(rows.length === moves.length, 'exactly one open account moved per move');
}

async function writeRecords(q: Query, changes: Changes): Promise<void> {
  const txns = changes.records;
  if (txns.length === 0) return;
  await q(`INSERT INTO transactions (account, txn_id, kind, amount_cents, code, balance_cents, at)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[],
      $6::bigint[], $7::bigint[])`, [txns.map((t) => t.account), txns.map((t) => t.txnId),
    txns.map((t) => t.kind), txns.map((t) => t.amountCents), txns.map((t) => t.code),
    txns.map((t) => t.balanceCents), txns.map((t) => t.at)]);
}

/**
 * The lock claims: one atomic statement per TTL (a batch usually has one), taking a row that is
 * free or whose heartbeat is older than the TTL by the database's clock (`at` is its clock).
 */
async function writeClaims(q: Query, claims: LockClaim[]): Promise<void> {
  for (const ttl of new Set(claims.map((claim) => claim.lockTtlMs))) {
    const some = claims.filter((claim) => claim.lockTtlMs === ttl);
    const won = await q(`INSERT INTO sessions AS s (account, holder, peer, started_at,
      heartbeat_at) SELECT c.account, c.holder, c.peer, c.at, c.at
      FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS c (account, holder, peer, at)
      ON CONFLICT (account) DO UPDATE SET holder = EXCLUDED.holder, peer = EXCLUDED.peer,
      started_at = EXCLUDED.started_at, heartbeat_at = EXCLUDED.heartbeat_at
      WHERE s.heartbeat_at < EXCLUDED.heartbeat_at - $5::bigint RETURNING s.account`,
    [some.map((c) => c.account), some.map((c) => c.holder), some.map((c) => c.peer),
      some.map((c) => c.at), ttl]);
    if (won.length !== some.length) throw new ClaimMismatch('a claim lost a lock it held locked');
  }
}

/** Every changed lock row's final state: updated (it exists once claimed) or deleted. */
async function writeSessions(q: Query, facts: Facts, changes: Changes): Promise<void> {
  await writeClaims(q, changes.claims);
  const kept = [...changes.sessionsDirty].filter((account) => facts.sessions.get(account));
  const gone = [...changes.sessionsDirty].filter((account) => !facts.sessions.get(account));
  if (kept.length > 0) {
    const rows = kept.map((account) => facts.sessions.get(account)!);
    const updated = await q(`UPDATE sessions s SET holder = u.holder, peer = u.peer,
      started_at = u.started_at, heartbeat_at = u.heartbeat_at
      FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[])
        AS u (account, holder, peer, started_at, heartbeat_at)
      WHERE s.account = u.account RETURNING s.account`, [kept, rows.map((r) => r.holder),
      rows.map((r) => r.peer), rows.map((r) => r.startedAt), rows.map((r) => r.heartbeatAt)]);
    assert(updated.length === kept.length, 'each kept lock row exists');
  }
  if (gone.length > 0) await q('DELETE FROM sessions WHERE account = ANY($1::text[])', [gone]);
}

/** Forgotten counter rows removed per wrong PIN (as on SQLite: more than each adds). */
const FORGET_BATCH_ROWS = 8;

/** Removes up to 8 forgotten counters per wrong PIN, skipping rows another server holds. */
async function forgetCounters(q: Query, facts: Facts, changes: Changes): Promise<void> {
  if (changes.wrongPins === 0) return;
  const limit = FORGET_BATCH_ROWS * changes.wrongPins;
  await q(`DELETE FROM pin_group_failures WHERE ctid IN (SELECT ctid FROM pin_group_failures
    WHERE forget_at <= $1 ORDER BY forget_at LIMIT $2 FOR UPDATE SKIP LOCKED)`, [facts.now, limit]);
  await q(`DELETE FROM pin_account_failures WHERE ctid IN (SELECT ctid FROM pin_account_failures
    WHERE forget_at <= $1 ORDER BY forget_at LIMIT $2 FOR UPDATE SKIP LOCKED)`, [facts.now, limit]);
}

/** Both kinds of wrong-PIN counters: stored, or cleared by a right PIN. */
async function writeCounters(q: Query, facts: Facts, changes: Changes): Promise<void> {
  await forgetCounters(q, facts, changes);
  const groups = [...changes.groupsDirty].map((key) => {
    const [account, group] = key.split('\n') as [string, string];
    return { account, group, counter: facts.groupCounters.get(key) };
  });
  const put = groups.filter((g) => g.counter);
  const cleared = groups.filter((g) => !g.counter);
  if (put.length > 0) {
    await q(`INSERT INTO pin_group_failures (account, addr_group, failures, blocks, blocked_until,
      forget_at) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[],
      $5::bigint[], $6::bigint[]) ON CONFLICT (account, addr_group) DO UPDATE SET
      failures = EXCLUDED.failures, blocks = EXCLUDED.blocks,
      blocked_until = EXCLUDED.blocked_until, forget_at = EXCLUDED.forget_at`,
    [put.map((g) => g.account), put.map((g) => g.group), ...counterColumns(put)]);
  }
  if (cleared.length > 0) {
    await q(`DELETE FROM pin_group_failures f USING unnest($1::text[], $2::text[]) AS k (account,
      addr_group) WHERE f.account = k.account AND f.addr_group = k.addr_group`,
    [cleared.map((g) => g.account), cleared.map((g) => g.group)]);
  }
  await writeAccountCounters(q, facts, changes);
}

async function writeAccountCounters(q: Query, facts: Facts, changes: Changes): Promise<void> {
  const all = [...changes.accountCountersDirty].map((account) =>
    ({ account, counter: facts.accountCounters.get(account) }));
  const put = all.filter((c) => c.counter);
  const cleared = all.filter((c) => !c.counter).map((c) => c.account);
  if (put.length > 0) {
    await q(`INSERT INTO pin_account_failures (account, failures, lockouts, locked_until,
      forget_at) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[],
      $5::bigint[]) ON CONFLICT (account) DO UPDATE SET failures = EXCLUDED.failures,
      lockouts = EXCLUDED.lockouts, locked_until = EXCLUDED.locked_until,
      forget_at = EXCLUDED.forget_at`, [put.map((c) => c.account), ...counterColumns(put)]);
  }
  if (cleared.length > 0) {
    await q('DELETE FROM pin_account_failures WHERE account = ANY($1::text[])', [cleared]);
  }
}

type Counted = { counter: import('../../rules/requests.js').StoredCounter | undefined };

function counterColumns(rows: Counted[]): number[][] {
  return [rows.map((r) => r.counter!.failures), rows.map((r) => r.counter!.level),
    rows.map((r) => r.counter!.untilMs), rows.map((r) => r.counter!.forgetAtMs)];
}

/** Writes every change of a batch, in the open transaction, the audit rows last. */
export async function flushChanges(q: Query, facts: Facts, changes: Changes): Promise<void> {
  await writeMoves(q, changes);
  await writeRecords(q, changes);
  await writeSessions(q, facts, changes);
  await writeCounters(q, facts, changes);
  await appendAuditRows(q, changes.audit);
}
