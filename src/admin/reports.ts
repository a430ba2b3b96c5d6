import { formatCents } from '../money.js';
import { formatCode, isCode } from '../protocol/codes.js';
import { listAccounts } from '../store/accounts.js';
import { listAudit, type AuditFilter, type AuditRow } from '../store/audit.js';
import type { Store } from '../store/db.js';
import { listLocks } from '../store/sessions.js';
import { formatTable } from './table.js';

/** `admin accounts`: one line per account, or one JSON object per line. */
export function reportAccounts(store: Store, json: boolean): string {
  const accounts = listAccounts(store);
  if (json) {
    return accounts.map((a) => JSON.stringify({ account: a.account, balance_cents: a.balanceCents })).join('\n');
  }
  const rows = accounts.map((a) => [a.account, formatCents(a.balanceCents), a.closed ? 'closed' : 'open']);
  return formatTable(['account', 'balance', 'status'], rows, new Set([1]));
}

/** `admin audit`: the audit log, newest last, as a table or one JSON object per line. */
export function reportAudit(store: Store, filter: AuditFilter, json: boolean): string {
  const rows = listAudit(store, filter);
  if (json) return rows.map((row) => JSON.stringify(auditJson(row))).join('\n');
  return formatTable(
    ['id', 'time', 'conn', 'peer', 'account', 'op', 'amount', 'code', 'balance', 'txn'],
    rows.map(auditCells),
    new Set([0, 2, 6, 8]),
  );
}

/** One audit row as the JSON the README documents. */
export function auditJson(row: AuditRow): Record<string, unknown> {
  return {
    id: row.id, at: new Date(row.at).toISOString(), conn: row.conn, peer: row.peer,
    account: row.account, op: row.op, amount_cents: row.amountCents, code: row.code,
    balance_cents: row.balanceCents, txn_id: row.txnId,
  };
}

/** One audit row as table cells: money in dollars, time in local time. */
export function auditCells(row: AuditRow): string[] {
  const cents = (value: number | null): string => (value === null ? '' : formatCents(value));
  const code = row.code !== null && isCode(row.code) ? formatCode(row.code) : (row.code ?? '').toString();
  return [String(row.id), localTime(row.at), String(row.conn ?? ''), row.peer ?? '', row.account ?? '',
    row.op, cents(row.amountCents), code, cents(row.balanceCents), row.txnId ?? ''];
}

/** `admin sessions`: the account locks held now, with their heartbeat age. */
export function reportSessions(store: Store, json: boolean, now = Date.now()): string {
  const locks = listLocks(store);
  if (json) {
    return locks.map((l) => JSON.stringify({ account: l.account, peer: l.peer,
      started_at: new Date(l.startedAt).toISOString(), heartbeat_age_ms: now - l.heartbeatAt })).join('\n');
  }
  const rows = locks.map((l) => [l.account, l.peer, localTime(l.startedAt), `${((now - l.heartbeatAt) / 1000).toFixed(1)}s`]);
  return formatTable(['account', 'peer', 'since', 'heartbeat age'], rows, new Set([3]));
}

function localTime(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
