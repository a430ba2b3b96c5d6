import type { ChainTip } from '../audit-chain.js';
import type { AccountId } from '../../protocol/messages.js';
import type { BankRecord, BankView } from '../engine.js';
import { readPages, PAGE_ROWS } from '../pages.js';
import type {
  AccountRow,
  AccountState,
  AccountSummary,
  AuditFilter,
  AuditRow,
  CheckpointRow,
  LedgerKey,
  LockoutStatus,
  RunRow,
  SessionRow,
} from '../../rules/types.js';
import { exportPostgres } from './copy.js';
import { CHAIN_TIP_COLUMNS } from './audit.js';
import type { Query } from './query.js';

/**
 * The reads of `bank admin` on PostgreSQL: the same results as the SQLite statements of
 * src/store/sqlite/ (accounts.ts, sessions.ts, audit.ts, lockout.ts, admin-queries.ts), on the
 * connection and snapshot the engine hands in as q.
 */

/** The audit columns under the names AuditRow uses (quoted: PostgreSQL folds bare names). */
export const AUDIT_COLUMNS = `id, chain, seq, at, conn, peer, account, op,
  amount_cents AS "amountCents", code,
  balance_cents AS "balanceCents", txn_id AS "txnId", events, codes, first_at AS "firstAt",
  last_at AS "lastAt", hash`;

/**
 * The rows an audit filter selects ($1 account or '', $2 since, $3 code or -1, $4 after id), as
 * sqlite/audit.ts's AUDIT_MATCHES: a 'refusals' row matches a code it counted (`{"30":10,...}`).
 */
const AUDIT_MATCHES = `($1::text = '' OR account = $1::text) AND at >= $2::bigint
  AND ($3::bigint < 0 OR code = $3::bigint OR codes LIKE '%"' || $3::bigint || '":%')
  AND id > $4::bigint`;

// A ledger row and the audit row of the request that made it agree on every field they share.
const SAME_TXN = `a.account = t.account AND a.txn_id = t.txn_id AND a.op = t.kind
  AND a.amount_cents = t.amount_cents AND a.code = t.code AND a.balance_cents = t.balance_cents`;

const SQL = {
  account: `SELECT account, pin_hash AS "pinHash", balance_cents AS "balanceCents",
    closed_at IS NOT NULL AS closed FROM accounts WHERE account = $1`,
  accounts: `SELECT account, balance_cents AS "balanceCents", closed_at IS NOT NULL AS closed
    FROM accounts ORDER BY account`,
  lockoutStatus: `SELECT a.account, b.account IS NOT NULL AS blocked,
    CASE WHEN f.locked_until > $1::bigint THEN f.locked_until ELSE 0 END AS "lockedUntilMs",
    CASE WHEN f.forget_at > $1::bigint THEN f.failures ELSE 0 END AS "wrongPins",
    (SELECT COUNT(*) FROM pin_group_failures g
      WHERE g.account = a.account AND g.blocked_until > $1::bigint) AS "groupsBlocked"
    FROM accounts a LEFT JOIN account_blocks b ON b.account = a.account
    LEFT JOIN pin_account_failures f ON f.account = a.account ORDER BY a.account`,
  locks: `SELECT account, holder, peer, started_at AS "startedAt", heartbeat_at AS "heartbeatAt"
    FROM sessions ORDER BY account`,
  // The newest $5 rows that pass the filter (all of them for NULL), returned oldest first.
  audit: `SELECT * FROM (SELECT ${AUDIT_COLUMNS} FROM audit WHERE ${AUDIT_MATCHES}
    ORDER BY id DESC LIMIT $5::bigint) AS newest ORDER BY id`,
  auditAfter: `SELECT ${AUDIT_COLUMNS} FROM audit WHERE ${AUDIT_MATCHES}
    ORDER BY id LIMIT $5::bigint`,
  auditFrom: `SELECT ${AUDIT_COLUMNS} FROM audit WHERE id > $1 ORDER BY id LIMIT $2`,
  auditRow: `SELECT ${AUDIT_COLUMNS} FROM audit WHERE id = $1`,
  lastAuditId: 'SELECT COALESCE(MAX(id), 0) AS id FROM audit',
  auditChains: `SELECT ${CHAIN_TIP_COLUMNS} FROM audit_chains ORDER BY chain`,
  auditAt: `SELECT ${AUDIT_COLUMNS} FROM audit WHERE chain = $1 AND seq = $2`,
  // $1, $2: the tips' chains and seqs; each count and lookup uses audit_by_chain.
  countAuditWithin: `SELECT COALESCE(SUM((SELECT COUNT(*) FROM audit a
    WHERE a.chain = t.chain AND a.seq <= t.seq)), 0)::bigint AS count
    FROM unnest($1::bigint[], $2::bigint[]) AS t (chain, seq)`,
  firstIdPast: `SELECT MIN((SELECT a.id FROM audit a WHERE a.chain = c.chain
    AND a.seq > COALESCE(t.seq, 0) ORDER BY a.seq LIMIT 1)) AS id
    FROM audit_chains c LEFT JOIN unnest($1::bigint[], $2::bigint[]) AS t (chain, seq)
      ON t.chain = c.chain`,
  countLedger: 'SELECT COUNT(*) AS count FROM transactions',
  ledgerUnaudited: `SELECT account, "txnId" FROM (
    SELECT account, txn_id AS "txnId", kind, amount_cents, code, balance_cents FROM transactions
    EXCEPT SELECT account, txn_id, op, amount_cents, code, balance_cents FROM audit
      WHERE op IN ('deposit', 'withdraw') AND txn_id IS NOT NULL) AS unaudited
    ORDER BY account, "txnId" LIMIT 1`,
  auditUnledgered: `SELECT ${AUDIT_COLUMNS} FROM audit a
    WHERE a.id > $1 AND a.op IN ('deposit', 'withdraw') AND a.txn_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM transactions t WHERE ${SAME_TXN}) ORDER BY a.id LIMIT 1`,
  auditTxnTwice: `SELECT account, txn_id AS "txnId", MIN(id) AS "firstId", MAX(id) AS "secondId"
    FROM audit WHERE op IN ('deposit', 'withdraw') AND txn_id IS NOT NULL
    GROUP BY account, txn_id HAVING COUNT(*) > 1 ORDER BY "secondId" LIMIT 1`,
  checkpoint: `SELECT verified_at AS "verifiedAt", audit_id AS "auditId",
    audit_hash AS "auditHash", audit_rows AS "auditRows", ledger_txns AS "ledgerTxns", replay,
    digest FROM verify_checkpoint WHERE id = 1`,
  // The dashboard's reads: each bounded by a LIMIT and walked along a primary key.
  runs: `SELECT run, started_at AS "startedAt", version FROM runs ORDER BY run DESC LIMIT $1`,
  lockPage: `SELECT account, holder, peer, started_at AS "startedAt",
    heartbeat_at AS "heartbeatAt" FROM sessions ORDER BY account LIMIT $1`,
  accountStates: `SELECT a.account, a.balance_cents AS "balanceCents",
    a.closed_at IS NOT NULL AS closed, b.account IS NOT NULL AS blocked,
    CASE WHEN f.locked_until > $1::bigint THEN f.locked_until ELSE 0 END AS "lockedUntilMs"
    FROM accounts a LEFT JOIN account_blocks b ON b.account = a.account
    LEFT JOIN pin_account_failures f ON f.account = a.account ORDER BY a.account LIMIT $2`,
} as const;

/** The filter's parameters $1..$4 of AUDIT_MATCHES. */
function matchParams(filter: AuditFilter, afterId: number): unknown[] {
  return [filter.account ?? '', filter.sinceMs ?? 0, filter.code ?? -1, afterId];
}

/** Reads on one snapshot: the engine runs q in a read-only REPEATABLE READ transaction. */
export class PostgresView implements BankView {
  constructor(protected readonly q: Query) {}

  async account(account: AccountId): Promise<AccountRow | undefined> {
    return (await this.q<AccountRow>(SQL.account, [account]))[0];
  }

  accounts(): Promise<AccountSummary[]> {
    return this.q<AccountSummary>(SQL.accounts);
  }

  lockoutStatus(nowMs: number): Promise<LockoutStatus[]> {
    return this.q<LockoutStatus>(SQL.lockoutStatus, [nowMs]);
  }

  locks(): Promise<SessionRow[]> {
    return this.q<SessionRow>(SQL.locks);
  }

  audit(filter: AuditFilter): Promise<AuditRow[]> {
    const params = [...matchParams(filter, filter.afterId ?? 0), filter.limit ?? null];
    return this.q<AuditRow>(SQL.audit, params);
  }

  auditAfter(filter: AuditFilter, afterId: number, limit: number): Promise<AuditRow[]> {
    return this.q<AuditRow>(SQL.auditAfter, [...matchParams(filter, afterId), limit]);
  }

  /** A page of PAGE_ROWS rows per query, keyset on id, all on the snapshot. */
  auditFrom(afterId: number): AsyncIterable<AuditRow> {
    return readPages<AuditRow>((last) =>
      this.q<AuditRow>(SQL.auditFrom, [last?.id ?? afterId, PAGE_ROWS]),
    );
  }

  async auditRow(id: number): Promise<AuditRow | undefined> {
    return (await this.q<AuditRow>(SQL.auditRow, [id]))[0];
  }

  async lastAuditId(): Promise<number> {
    return (await this.q<{ id: number }>(SQL.lastAuditId))[0]!.id;
  }

  auditChains(): Promise<ChainTip[]> {
    return this.q<ChainTip>(SQL.auditChains);
  }

  async auditAt(chain: number, seq: number): Promise<AuditRow | undefined> {
    return (await this.q<AuditRow>(SQL.auditAt, [chain, seq]))[0];
  }

  async countAuditWithin(tips: ChainTip[]): Promise<number> {
    const params = [tips.map((tip) => tip.chain), tips.map((tip) => tip.seq)];
    return (await this.q<{ count: number }>(SQL.countAuditWithin, params))[0]!.count;
  }

  async firstIdPast(tips: ChainTip[]): Promise<number | undefined> {
    const params = [tips.map((tip) => tip.chain), tips.map((tip) => tip.seq)];
    return (await this.q<{ id: number | null }>(SQL.firstIdPast, params))[0]!.id ?? undefined;
  }

  async countLedger(): Promise<number> {
    return (await this.q<{ count: number }>(SQL.countLedger))[0]!.count;
  }

  async ledgerUnaudited(): Promise<LedgerKey | undefined> {
    return (await this.q<LedgerKey>(SQL.ledgerUnaudited))[0];
  }

  async auditUnledgered(afterId: number): Promise<AuditRow | undefined> {
    return (await this.q<AuditRow>(SQL.auditUnledgered, [afterId]))[0];
  }

  async auditTxnTwice(): Promise<(LedgerKey & { firstId: number; secondId: number }) | undefined> {
    type Twice = LedgerKey & { firstId: number; secondId: number };
    return (await this.q<Twice>(SQL.auditTxnTwice))[0];
  }

  async checkpoint(): Promise<CheckpointRow | undefined> {
    return (await this.q<CheckpointRow>(SQL.checkpoint))[0];
  }

  runs(limit: number): Promise<RunRow[]> {
    return this.q<RunRow>(SQL.runs, [limit]);
  }

  lockPage(limit: number): Promise<SessionRow[]> {
    return this.q<SessionRow>(SQL.lockPage, [limit]);
  }

  accountStates(nowMs: number, limit: number): Promise<AccountState[]> {
    return this.q<AccountState>(SQL.accountStates, [nowMs, limit]);
  }

  exportBank(): AsyncIterable<BankRecord> {
    return exportPostgres(this.q, this.auditFrom(0));
  }
}

/** The reads of one snapshot, for Engine.read. */
export function postgresView(q: Query): BankView {
  return new PostgresView(q);
}
